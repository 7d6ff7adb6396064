using VoiceProxy.Compliance;
using VoiceProxy.Consent;

namespace VoiceProxy.Tests.Compliance;

/// <summary>docs/compliance-rules.md section 2-3: transactional needs express (or better), marketing needs express written;
/// consent is per purpose; a revocation blocks at once.</summary>
public sealed class ConsentRuleTests
{
    [Theory]
    // purpose, transactional consent, marketing consent, expected outcome, expected code
    [InlineData(Purpose.Transactional, "express", "none", Outcome.Pass, null)]
    [InlineData(Purpose.Transactional, "written", "none", Outcome.Pass, null)]
    [InlineData(Purpose.Transactional, "express", "revoked", Outcome.Pass, null)]
    [InlineData(Purpose.Transactional, "none", "none", Outcome.Block, ReasonCodes.ConsentMissing)]
    [InlineData(Purpose.Transactional, "revoked", "none", Outcome.Block, ReasonCodes.ConsentRevoked)]
    [InlineData(Purpose.Transactional, "revoked", "written", Outcome.Block, ReasonCodes.ConsentRevoked)]
    [InlineData(Purpose.Transactional, "none", "written", Outcome.Block, ReasonCodes.ConsentInsufficient)]
    [InlineData(Purpose.Transactional, "none", "express", Outcome.Block, ReasonCodes.ConsentInsufficient)]
    [InlineData(Purpose.Transactional, "none", "revoked", Outcome.Block, ReasonCodes.ConsentMissing)]
    [InlineData(Purpose.Marketing, "none", "written", Outcome.Pass, null)]
    [InlineData(Purpose.Marketing, "revoked", "written", Outcome.Pass, null)]
    [InlineData(Purpose.Marketing, "none", "express", Outcome.Block, ReasonCodes.ConsentInsufficient)]
    [InlineData(Purpose.Marketing, "written", "express", Outcome.Block, ReasonCodes.ConsentInsufficient)]
    [InlineData(Purpose.Marketing, "none", "none", Outcome.Block, ReasonCodes.ConsentMissing)]
    [InlineData(Purpose.Marketing, "none", "revoked", Outcome.Block, ReasonCodes.ConsentRevoked)]
    [InlineData(Purpose.Marketing, "written", "revoked", Outcome.Block, ReasonCodes.ConsentRevoked)]
    [InlineData(Purpose.Marketing, "express", "none", Outcome.Block, ReasonCodes.ConsentInsufficient)]
    [InlineData(Purpose.Marketing, "written", "none", Outcome.Block, ReasonCodes.ConsentInsufficient)]
    public void Consent_PurposeAndRecordedConsent_ExpectedOutcome(Purpose purpose, string transactional, string marketing,
        string outcome, string? code)
    {
        var decision = (GateCase.Default with
        {
            Purpose = purpose,
            Transactional = GateTestData.Consent(transactional),
            Marketing = GateTestData.Consent(marketing),
        }).Decide();

        var check = decision.CheckOf("consent");
        Assert.Equal(outcome, check.Outcome);
        Assert.Equal(code, check.Code);
        Assert.Equal(outcome == Outcome.Pass, decision.Allowed);
        if (code is not null)
        {
            var reason = Assert.Single(decision.Reasons);
            Assert.Equal(code, reason.Code);
            Assert.Equal("consent", reason.Rule);
            Assert.False(string.IsNullOrWhiteSpace(reason.Message));
            Assert.Null(decision.NextAllowedAt);
        }
    }

    [Theory]
    [InlineData(Purpose.Transactional)]
    [InlineData(Purpose.Marketing)]
    public void Consent_EveryCheck_CarriesCitation(Purpose purpose)
    {
        var check = (GateCase.Default with { Purpose = purpose }).Decide().CheckOf("consent");

        Assert.Contains("64.1200(a)", check.Citation);
    }
}
