using VoiceProxy.Compliance;
using VoiceProxy.Consent;

namespace VoiceProxy.Tests.Compliance;

/// <summary>architecture.md property 2: every rule has a stable id and a citation, and the decision lists every rule's
/// outcome.</summary>
public sealed class GateDecisionTests
{
    private static readonly string[] RuleIds =
    [
        "consent", "dnc_internal", "registry_freshness", "dnc_national", "dnc_state", "location",
        "calling_hours", "state_calling_hours", "restricted_day", "state_adad", "frequency_cap", "caller_id", "opt_out_line",
        "reassigned_number", "line_type",
    ];

    [Theory]
    [InlineData(Purpose.Transactional, "415")]
    [InlineData(Purpose.Marketing, "415")]
    [InlineData(Purpose.Marketing, "999")]
    [InlineData(Purpose.Marketing, "405")]
    public void Decide_AnyCall_ListsEveryRuleWithCitation(Purpose purpose, string npa)
    {
        var decision = (GateCase.Default with { Purpose = purpose, Npa = npa }).Decide();

        Assert.Equal(RuleIds.Order(StringComparer.Ordinal),
            decision.Checks.Select(c => c.Rule).Distinct().Order(StringComparer.Ordinal));
        Assert.All(decision.Checks, c =>
        {
            Assert.False(string.IsNullOrWhiteSpace(c.Citation));
            Assert.Contains(c.Outcome, new[] { Outcome.Pass, Outcome.Block, Outcome.Exempt, Outcome.NotApplicable });
        });
    }

    [Theory]
    [InlineData("none", null, 0)]
    [InlineData("express", 1, 3)]
    [InlineData("none", 1, 3)]
    public void Decide_Reasons_ExactlyTheBlockingChecks(string marketing, int? internalDncDaysAgo, int recentCalls)
    {
        var c = GateCase.Default with
        {
            Purpose = Purpose.Marketing,
            Marketing = GateTestData.Consent(marketing),
            InternalDncSince = internalDncDaysAgo is { } d ? GateCase.Default.At.AddDays(-d) : null,
            RecentCalls = Enumerable.Range(1, recentCalls).Select(h => GateCase.Default.At.AddHours(-h)).ToList(),
        };

        var decision = c.Decide();

        var blocking = decision.Checks.Where(x => x.Outcome == Outcome.Block).ToList();
        Assert.Equal(blocking.Select(x => (x.Code, x.Rule)), decision.Reasons.Select(r => ((string?)r.Code, r.Rule)));
        Assert.Equal(blocking.Count == 0, decision.Allowed);
        Assert.Equal(c.At, decision.EvaluatedAt);
    }

    [Fact]
    public void Decide_SameInputs_SameDecision()
    {
        var c = GateCase.Default with { Purpose = Purpose.Marketing, Npa = "850", At = GateTestData.Utc("2026-07-16T00:30:00Z") };

        var a = c.Decide();
        var b = c.Decide();

        Assert.Equal(a.Allowed, b.Allowed);
        Assert.Equal(a.Checks, b.Checks);
        Assert.Equal(a.Reasons, b.Reasons);
        Assert.Equal(a.NextAllowedAt, b.NextAllowedAt);
    }
}
