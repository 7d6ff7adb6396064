using VoiceProxy.Compliance;
using VoiceProxy.Infrastructure;
using VoiceProxy.Lookup;

namespace VoiceProxy.Tests.Compliance;

/// <summary>docs/compliance-rules.md, "Reassigned numbers and line types": the two Lookup rules, table by table.</summary>
public sealed class LookupRuleTests
{
    private static readonly DateTimeOffset Asked = new(2026, 7, 15, 18, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly ConsentDate = new(2026, 3, 1);
    private static readonly string[] LookupRules = ["line_type", "reassigned_number"];
    private static readonly LookupPolicy Defaults = new(LineTypes.DefaultBlocked, BlockNoData: false, AllowUnavailable: false);

    private static LookupAnswered LineType(string? type, string? why = null) =>
        new(new FieldAnswer(LookupFields.LineType, null, type, why ?? "Made-up Wireless"), Asked, Cached: false);

    private static LookupAnswered Reassigned(string? answer, string? why = null) =>
        new(new FieldAnswer(LookupFields.Reassigned, ConsentDate, answer, why), Asked, Cached: true);

    private static Decision Decide(LookupAnswered? lineType, LookupAnswered? reassigned, LookupPolicy? policy = null,
        string? reassignedSkipped = null) =>
        (GateCase.Default with
        {
            Lookup = new LookupFacts(policy ?? Defaults, lineType ?? LineType("mobile"), reassigned, null, reassignedSkipped),
        }).Decide();

    [Theory]
    [InlineData("mobile", Outcome.Pass)]
    [InlineData("landline", Outcome.Pass)]
    [InlineData("fixedVoip", Outcome.Pass)]
    [InlineData("nonFixedVoip", Outcome.Pass)]
    [InlineData("personal", Outcome.Pass)]
    [InlineData("unknown", Outcome.Pass)]
    [InlineData("tollFree", Outcome.Block)]
    [InlineData("premium", Outcome.Block)]
    [InlineData("sharedCost", Outcome.Block)]
    [InlineData("uan", Outcome.Block)]
    [InlineData("voicemail", Outcome.Block)]
    [InlineData("pager", Outcome.Block)]
    public void LineType_DefaultBlockedList_ExpectedOutcomeAndTypeShown(string type, string outcome)
    {
        var decision = Decide(LineType(type), Reassigned("no"));

        var check = decision.CheckOf("line_type");
        Assert.Equal(outcome, check.Outcome);
        Assert.StartsWith(type, check.Detail, StringComparison.Ordinal);
        Assert.Equal(outcome == Outcome.Pass, decision.Allowed);
        if (outcome == Outcome.Block) Assert.Equal([ReasonCodes.LineTypeNotAllowed], decision.Codes());
    }

    [Theory]
    [InlineData("landline", "landline;fixedVoip", Outcome.Block)]
    [InlineData("tollFree", "landline", Outcome.Pass)]
    [InlineData("mobile", "", Outcome.Pass)]
    public void LineType_SellersOwnList_ReplacesTheDefault(string type, string blocked, string outcome)
    {
        var policy = Defaults with { BlockedLineTypes = blocked.Split(';', StringSplitOptions.RemoveEmptyEntries) };

        Assert.Equal(outcome, Decide(LineType(type), Reassigned("no"), policy).CheckOf("line_type").Outcome);
    }

    [Theory]
    [InlineData("yes", false, Outcome.Block, ReasonCodes.NumberReassigned)]
    [InlineData("no", false, Outcome.Pass, null)]
    [InlineData("no_data_available", false, Outcome.Pass, null)]
    [InlineData("no_data_available", true, Outcome.Block, ReasonCodes.LookupUnavailable)]
    public void Reassigned_EachAnswer_ExpectedOutcome(string answer, bool blockNoData, string outcome, string? code)
    {
        var decision = Decide(null, Reassigned(answer), Defaults with { BlockNoData = blockNoData });

        var check = decision.CheckOf("reassigned_number");
        Assert.Equal(outcome, check.Outcome);
        Assert.Equal(code, check.Code);
        Assert.Equal("47 CFR 64.1200(m) (Reassigned Numbers Database safe harbor)", check.Citation);
        Assert.Contains("2026-03-01", check.Detail, StringComparison.Ordinal);
        Assert.Contains("cached answer", check.Detail, StringComparison.Ordinal);
        if (answer == "no") Assert.Contains("safe harbor", check.Detail, StringComparison.Ordinal);
        Assert.Equal(outcome == Outcome.Pass, decision.Allowed);
    }

    [Theory]
    [InlineData(false, false, Outcome.Block)]
    [InlineData(false, true, Outcome.Pass)]
    [InlineData(true, false, Outcome.Block)]
    [InlineData(true, true, Outcome.Pass)]
    public void Unavailable_EitherField_FailsClosedUnlessAllowed(bool lineTypeFails, bool allow, string outcome)
    {
        var policy = Defaults with { AllowUnavailable = allow };
        var decision = lineTypeFails
            ? Decide(LineType(null, "Twilio Lookup answered 503"), Reassigned("no"), policy)
            : Decide(null, Reassigned(null, "no answer from Twilio Lookup (TimeoutRejectedException)"), policy);

        var check = decision.CheckOf(lineTypeFails ? "line_type" : "reassigned_number");
        Assert.Equal(outcome, check.Outcome);
        Assert.Equal(outcome == Outcome.Block ? ReasonCodes.LookupUnavailable : null, check.Code);
        Assert.Contains(lineTypeFails ? "503" : "TimeoutRejectedException", check.Detail, StringComparison.Ordinal);
        Assert.Equal(outcome == Outcome.Pass, decision.Allowed);
    }

    [Fact]
    public void Reassigned_Skipped_NotApplicableWithTheReason()
    {
        var decision = Decide(null, null, reassignedSkipped: "consent given on 2026-07-15, within 1 days");

        var check = decision.CheckOf("reassigned_number");
        Assert.Equal(Outcome.NotApplicable, check.Outcome);
        Assert.Contains("within 1 days", check.Detail, StringComparison.Ordinal);
        Assert.True(decision.Allowed);
    }

    [Fact]
    public void Lookup_NotConsulted_BothChecksNotApplicable()
    {
        var decision = (GateCase.Default with { Lookup = LookupFacts.NotConsulted(Defaults, "skipped for this check") }).Decide();

        foreach (var rule in LookupRules)
        {
            Assert.Equal(Outcome.NotApplicable, decision.CheckOf(rule).Outcome);
            Assert.Equal("skipped for this check", decision.CheckOf(rule).Detail);
        }
        Assert.True(decision.Allowed);
    }

    [Fact]
    public void Reassigned_Yes_IsNotLiftedByWaiting()
    {
        var decision = (GateCase.Default with
        {
            Lookup = new LookupFacts(Defaults, LineType("mobile"), Reassigned("yes"), null, null),
            At = new DateTimeOffset(2026, 7, 15, 5, 0, 0, TimeSpan.Zero),
        }).Decide();

        Assert.Contains(ReasonCodes.NumberReassigned, decision.Codes());
        Assert.Null(decision.NextAllowedAt);
    }
}
