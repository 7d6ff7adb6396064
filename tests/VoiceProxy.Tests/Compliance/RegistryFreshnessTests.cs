using VoiceProxy.Compliance;
using VoiceProxy.Consent;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Tests.Compliance;

/// <summary>docs/compliance-rules.md section 4: the registry copy must be no older than 31 days; older or none blocks
/// marketing.</summary>
public sealed class RegistryFreshnessTests
{
    // Wednesday 2026-07-15 19:00Z (12:00 PDT); "days old" counts UTC calendar days.
    private static readonly GateCase Marketing = GateCase.Default with { Purpose = Purpose.Marketing };

    [Theory]
    [InlineData(Purpose.Marketing, 0, Outcome.Pass)]
    [InlineData(Purpose.Marketing, 1, Outcome.Pass)]
    [InlineData(Purpose.Marketing, 30, Outcome.Pass)]
    [InlineData(Purpose.Marketing, 31, Outcome.Pass)]
    [InlineData(Purpose.Marketing, 32, Outcome.Block)]
    [InlineData(Purpose.Marketing, 365, Outcome.Block)]
    [InlineData(Purpose.Marketing, null, Outcome.Block)]
    [InlineData(Purpose.Transactional, 32, Outcome.NotApplicable)]
    [InlineData(Purpose.Transactional, null, Outcome.NotApplicable)]
    public void RegistryFreshness_NationalCopyAge_ExpectedOutcome(Purpose purpose, int? daysOld, string outcome)
    {
        var c = GateCase.Default with { Purpose = purpose };
        var asOf = daysOld is { } d ? c.Today.AddDays(-d) : (DateOnly?)null;
        var decision = (c with { Registries = [new RegistryFact("national", false, asOf)] }).Decide();

        var check = decision.CheckOf("registry_freshness");
        Assert.Equal(outcome, check.Outcome);
        Assert.Equal(outcome is Outcome.Pass or Outcome.NotApplicable, decision.Allowed);
        if (outcome == Outcome.Block)
        {
            Assert.Equal(ReasonCodes.RegistryStale, check.Code);
            Assert.Equal([ReasonCodes.RegistryStale], decision.Codes());
            Assert.Null(decision.NextAllowedAt);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(26000)]
    public void RegistryFreshness_CopyDatedInTheFuture_BlocksRegistryStale(int daysAhead)
    {
        // A mistyped --as-of (2099 for 2026) must not make a copy count as fresh for decades.
        var decision = (Marketing with { Registries = [new RegistryFact("national", false, Marketing.Today.AddDays(daysAhead))] })
            .Decide();

        Assert.Equal(Outcome.Block, decision.CheckOf("registry_freshness").Outcome);
        Assert.Equal([ReasonCodes.RegistryStale], decision.Codes());
    }

    [Fact]
    public void RegistryFreshness_ExactlyThirtyOneDaysAtLastUtcMinute_Passes()
    {
        // 2026-07-15 23:59Z: copy of 2026-06-14 is 31 days old.
        var c = Marketing with { At = GateTestData.Utc("2026-07-15T23:59:00Z"), Npa = "808" };
        var decision = (c with { Registries = [new RegistryFact("national", false, new DateOnly(2026, 6, 14))] }).Decide();

        Assert.Equal(Outcome.Pass, decision.CheckOf("registry_freshness").Outcome);
    }

    [Theory]
    [InlineData(31, Outcome.Pass)]
    [InlineData(32, Outcome.Block)]
    [InlineData(null, Outcome.Block)]
    public void RegistryFreshness_StateCopyAgeWithFreshNational_ExpectedOutcome(int? daysOld, string outcome)
    {
        var c = Marketing with { Npa = "305", At = GateTestData.Local("America/New_York", "2026-07-15", "12:00") };
        var decision = (c with
        {
            Registries = [new RegistryFact("national", false, c.Today),
                new RegistryFact("state:FL", false, daysOld is { } d ? c.Today.AddDays(-d) : null)],
        }).Decide();

        Assert.Equal(outcome, decision.CheckOf("registry_freshness").Outcome);
        Assert.Equal(outcome == Outcome.Pass, decision.Allowed);
    }

    /// <summary>Fail closed: a marketing decision taken without any registry copy consulted must not pass
    /// ("An older copy, or none, blocks marketing calls").</summary>
    [Fact]
    public void RegistryFreshness_MarketingWithNoRegistryFact_BlocksRegistryStale()
    {
        var decision = (Marketing with { Registries = [] }).Decide();

        Assert.False(decision.Allowed);
        Assert.Contains(ReasonCodes.RegistryStale, decision.Codes());
    }

    [Fact]
    public void RegistryFreshness_CustomMaxAge_Respected()
    {
        var c = Marketing with { Gate = new Gate(GateTestData.Settings(registryMaxAgeDays: 7)) };

        Assert.Equal(Outcome.Pass,
            (c with { Registries = [new RegistryFact("national", false, c.Today.AddDays(-7))] }).Decide()
            .CheckOf("registry_freshness").Outcome);
        Assert.Equal(Outcome.Block,
            (c with { Registries = [new RegistryFact("national", false, c.Today.AddDays(-8))] }).Decide()
            .CheckOf("registry_freshness").Outcome);
    }
}
