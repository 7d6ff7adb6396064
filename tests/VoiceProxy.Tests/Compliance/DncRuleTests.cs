using VoiceProxy.Compliance;
using VoiceProxy.Consent;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Tests.Compliance;

/// <summary>docs/compliance-rules.md section 4: internal list beats everything; national and state lists apply to marketing,
/// exempted by express written consent unless the seller refuses that exemption.</summary>
public sealed class DncRuleTests
{
    private static readonly DateTimeOffset OptedOut = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(Purpose.Transactional, "express", "written")]
    [InlineData(Purpose.Transactional, "written", "written")]
    [InlineData(Purpose.Marketing, "express", "written")]
    [InlineData(Purpose.Marketing, "none", "written")]
    public void InternalDnc_Listed_BlocksEveryPurposeDespiteConsent(Purpose purpose, string transactional, string marketing)
    {
        var decision = (GateCase.Default with
        {
            Purpose = purpose,
            Transactional = GateTestData.Consent(transactional),
            Marketing = GateTestData.Consent(marketing),
            InternalDncSince = OptedOut,
        }).Decide();

        Assert.False(decision.Allowed);
        var check = decision.CheckOf("dnc_internal");
        Assert.Equal(Outcome.Block, check.Outcome);
        Assert.Equal(ReasonCodes.DncInternal, check.Code);
        Assert.Equal(Outcome.Pass, decision.CheckOf("consent").Outcome);
        Assert.Equal([ReasonCodes.DncInternal], decision.Codes());
        Assert.Null(decision.NextAllowedAt);
    }

    [Theory]
    [InlineData(Purpose.Transactional)]
    [InlineData(Purpose.Marketing)]
    public void InternalDnc_NotListed_Passes(Purpose purpose)
    {
        var decision = (GateCase.Default with { Purpose = purpose }).Decide();

        Assert.Equal(Outcome.Pass, decision.CheckOf("dnc_internal").Outcome);
        Assert.True(decision.Allowed);
    }

    [Theory]
    // purpose, listed, marketing consent, seller accepts written consent as exemption, expected outcome, allowed
    [InlineData(Purpose.Marketing, false, "written", true, Outcome.Pass, true)]
    [InlineData(Purpose.Marketing, true, "written", true, Outcome.Exempt, true)]
    [InlineData(Purpose.Marketing, true, "written", false, Outcome.Block, false)]
    [InlineData(Purpose.Marketing, true, "express", true, Outcome.Block, false)]
    [InlineData(Purpose.Marketing, true, "none", true, Outcome.Block, false)]
    [InlineData(Purpose.Marketing, true, "revoked", true, Outcome.Block, false)]
    [InlineData(Purpose.Transactional, true, "written", true, Outcome.NotApplicable, true)]
    [InlineData(Purpose.Transactional, true, "none", false, Outcome.NotApplicable, true)]
    [InlineData(Purpose.Transactional, false, "none", true, Outcome.NotApplicable, true)]
    public void NationalRegistry_ListedAndConsent_ExpectedOutcome(Purpose purpose, bool listed, string marketing, bool exempts,
        string outcome, bool allowed)
    {
        var c = GateCase.Default with
        {
            Purpose = purpose,
            Marketing = GateTestData.Consent(marketing),
            WrittenConsentExemptsRegistry = exempts
        };
        var decision = (c with { Registries = [new RegistryFact("national", listed, c.Today.AddDays(-1))] }).Decide();

        var check = decision.CheckOf("dnc_national");
        Assert.Equal(outcome, check.Outcome);
        Assert.Equal(outcome == Outcome.Block ? ReasonCodes.DncNational : null, check.Code);
        Assert.Equal(allowed, decision.Allowed);
        Assert.Equal(outcome == Outcome.Block, decision.Codes().Contains(ReasonCodes.DncNational));
        Assert.Equal(Outcome.NotApplicable, decision.CheckOf("dnc_state").Outcome);
    }

    [Theory]
    // a 305 (FL) number; FL keeps a state list
    [InlineData(Purpose.Marketing, false, "written", true, Outcome.Pass, true)]
    [InlineData(Purpose.Marketing, true, "written", true, Outcome.Exempt, true)]
    [InlineData(Purpose.Marketing, true, "written", false, Outcome.Block, false)]
    [InlineData(Purpose.Marketing, true, "express", true, Outcome.Block, false)]
    [InlineData(Purpose.Marketing, true, "none", true, Outcome.Block, false)]
    [InlineData(Purpose.Transactional, true, "written", true, Outcome.NotApplicable, true)]
    [InlineData(Purpose.Transactional, true, "none", false, Outcome.NotApplicable, true)]
    public void StateRegistry_ListedAndConsent_ExpectedOutcome(Purpose purpose, bool listed, string marketing, bool exempts,
        string outcome, bool allowed)
    {
        // 12:00 EDT (UTC-4), inside every window
        var c = GateCase.Default with
        {
            Purpose = purpose,
            Npa = "305",
            At = GateTestData.Local("America/New_York", "2026-07-15", "12:00"),
            Marketing = GateTestData.Consent(marketing),
            WrittenConsentExemptsRegistry = exempts,
        };
        var decision = (c with
        {
            Registries = [new RegistryFact("national", false, c.Today.AddDays(-1)),
                new RegistryFact("state:FL", listed, c.Today.AddDays(-2))],
        }).Decide();

        var check = decision.CheckOf("dnc_state");
        Assert.Equal(outcome, check.Outcome);
        Assert.Equal(outcome == Outcome.Block ? ReasonCodes.DncState : null, check.Code);
        Assert.Equal(allowed, decision.Allowed);
        Assert.Equal(outcome == Outcome.Block, decision.Codes().Contains(ReasonCodes.DncState));
        Assert.NotEqual(Outcome.Block, decision.CheckOf("dnc_national").Outcome);
    }

    [Fact]
    public void Registries_NationalAndStateBothListed_BothBlock()
    {
        var c = GateCase.Default with
        {
            Purpose = Purpose.Marketing,
            Npa = "305",
            At = GateTestData.Local("America/New_York", "2026-07-15", "12:00"),
            WrittenConsentExemptsRegistry = false,
        };
        var decision = (c with
        {
            Registries = [new RegistryFact("national", true, c.Today), new RegistryFact("state:FL", true, c.Today)],
        }).Decide();

        Assert.False(decision.Allowed);
        Assert.Contains(ReasonCodes.DncNational, decision.Codes());
        Assert.Contains(ReasonCodes.DncState, decision.Codes());
    }

    [Fact]
    public void Registries_ListsConsulted_ReportedInDecision()
    {
        var c = GateCase.Default with
        {
            Purpose = Purpose.Marketing,
            Npa = "305",
            At = GateTestData.Local("America/New_York", "2026-07-15", "12:00")
        };
        var asOf = c.Today.AddDays(-3);
        var decision = (c with
        {
            Registries = [new RegistryFact("national", false, asOf), new RegistryFact("state:FL", false, asOf)]
        }).Decide();

        Assert.Equal([new ListConsulted("national", asOf), new ListConsulted("state:FL", asOf)], decision.Lists);
    }
}
