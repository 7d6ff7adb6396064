using VoiceProxy.Compliance;
using VoiceProxy.Consent;

namespace VoiceProxy.Tests.Compliance;

/// <summary>docs/compliance-rules.md section 5, state overlays: "AL, LA, PA, RI, UT: no calls on state legal holidays"
/// (marketing; Mississippi's ban ended in 2023, see StateRuleTests).
/// Only holidays that are legal holidays in every one of these states and fall on a weekday are used, so no observed-day
/// rule is involved: Thu 2026-01-01 (New Year's Day), Thu 2026-11-26 (Thanksgiving), Fri 2026-12-25 (Christmas Day).</summary>
public sealed class StateHolidayTests
{
    [Theory]
    [InlineData("205", "America/Chicago", "2026-12-25")]
    [InlineData("504", "America/Chicago", "2026-12-25")]
    [InlineData("215", "America/New_York", "2026-12-25")]
    [InlineData("401", "America/New_York", "2026-12-25")]
    [InlineData("801", "America/Denver", "2026-12-25")]
    [InlineData("215", "America/New_York", "2026-01-01")]
    [InlineData("801", "America/Denver", "2026-11-26")]
    public void StateHoliday_MarketingOnLegalHoliday_Blocked(string npa, string zone, string date)
    {
        var decision = (GateCase.Default with
        {
            Purpose = Purpose.Marketing,
            Npa = npa,
            At = GateTestData.Local(zone, date, "12:00")
        }).Decide();

        Assert.False(decision.Allowed);
        Assert.Contains(ReasonCodes.RestrictedDay, decision.Codes());
        // Alabama's automated-dialer rule (r. 770-X-5-.17(1)(e)) also blocks its marketing calls, and waiting does not
        // lift that one.
        if (npa == "205") Assert.Contains(ReasonCodes.AdadNotAllowed, decision.Codes());
        else Assert.NotNull(decision.NextAllowedAt);
    }

    [Theory]
    [InlineData("215", "America/New_York", "2026-12-25")]
    [InlineData("801", "America/Denver", "2026-12-25")]
    public void StateHoliday_TransactionalOnLegalHoliday_Allowed(string npa, string zone, string date)
    {
        var decision = (GateCase.Default with
        {
            Purpose = Purpose.Transactional,
            Npa = npa,
            At = GateTestData.Local(zone, date, "12:00")
        }).Decide();

        Assert.True(decision.Allowed);
    }

    [Theory]
    [InlineData("215", "America/New_York", "2026-12-24")]
    [InlineData("212", "America/New_York", "2026-12-25")] // NY has no holiday rule
    public void StateHoliday_MarketingOnOrdinaryDayOrOtherState_Allowed(string npa, string zone, string date)
    {
        var decision = (GateCase.Default with
        {
            Purpose = Purpose.Marketing,
            Npa = npa,
            At = GateTestData.Local(zone, date, "12:00")
        }).Decide();

        Assert.True(decision.Allowed);
    }
}
