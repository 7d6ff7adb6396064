using VoiceProxy.Compliance;
using VoiceProxy.Consent;

namespace VoiceProxy.Tests.Compliance;

/// <summary>docs/compliance-rules.md section 7.7 (47 CFR 64.1601(e)): the From number must be one of the seller's own
/// numbers.</summary>
public sealed class CallerIdRuleTests
{
    [Theory]
    [InlineData(Purpose.Transactional, "+14155550100", "+14155550100", Outcome.Pass)]
    [InlineData(Purpose.Marketing, "+14155550100", "+14155550100", Outcome.Pass)]
    [InlineData(Purpose.Transactional, "+14155550101", "+14155550100;+14155550101", Outcome.Pass)]
    [InlineData(Purpose.Transactional, "+14155550199", "+14155550100;+14155550101", Outcome.Block)]
    [InlineData(Purpose.Marketing, "+14155550199", "+14155550100", Outcome.Block)]
    [InlineData(Purpose.Transactional, "14155550100", "+14155550100", Outcome.Block)]
    [InlineData(Purpose.Transactional, "+14155550100", "", Outcome.Block)]
    [InlineData(Purpose.Transactional, "+14155550123", "+14155550100", Outcome.Block)]
    public void CallerId_FromAgainstSellerNumbers_ExpectedOutcome(Purpose purpose, string from, string callerIds, string outcome)
    {
        var decision = (GateCase.Default with
        {
            Purpose = purpose,
            From = from,
            CallerIds = callerIds.Split(';', StringSplitOptions.RemoveEmptyEntries),
        }).Decide();

        var check = decision.CheckOf("caller_id");
        Assert.Equal(outcome, check.Outcome);
        Assert.Equal(outcome == Outcome.Pass, decision.Allowed);
        if (outcome == Outcome.Block)
        {
            Assert.Equal(ReasonCodes.CallerIdNotAllowed, check.Code);
            Assert.Equal([ReasonCodes.CallerIdNotAllowed], decision.Codes());
            Assert.Null(decision.NextAllowedAt);
        }
    }
}
