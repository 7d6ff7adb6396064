using VoiceProxy.Compliance;
using VoiceProxy.Consent;

namespace VoiceProxy.Tests.Compliance;

/// <summary>docs/compliance-rules.md section 5, the state rules of issue 14, each at both edges of its window and on its
/// effective date, read from the real rule book (Compliance/Data/state-rules.json). Each row names the source it checks.
/// A rule's own check is asserted, so other rules (the holiday lists' coverage on an old date, a state's ADAD rule) do not
/// hide it. Dates: Sun 2026-07-12, Mon 2026-07-13, Sat 2026-07-18 (daylight time); Mon 2026-01-12 (standard time).</summary>
public sealed class StateRuleTests
{
    /// <summary>The rule's outcome: block when any of its checks blocks (a state may have two windows), else pass or
    /// not_applicable.</summary>
    private static string Outcome(string rule, string npa, string zone, Purpose purpose, string date, string time)
    {
        var outcomes = (GateCase.Default with { Purpose = purpose, Npa = npa, At = GateTestData.Local(zone, date, time) })
            .Decide().ChecksOf(rule).Select(c => c.Outcome).ToList();
        return outcomes.Contains("block") ? "block" : outcomes.Distinct().Single();
    }

    [Theory]
    // LPSC General Order R-29617: 08:00-20:00 Monday to Saturday (marketing); Sunday is the day ban's (restricted_day).
    [InlineData("504", "2026-07-13", "07:59", "block")]
    [InlineData("504", "2026-07-13", "08:00", "pass")]
    [InlineData("504", "2026-07-13", "19:59", "pass")]
    [InlineData("504", "2026-07-13", "20:00", "block")]
    [InlineData("504", "2026-07-18", "19:59", "pass")]
    [InlineData("504", "2026-07-18", "20:00", "block")]
    [InlineData("504", "2026-07-12", "12:00", "pass")]
    [InlineData("504", "2007-12-31", "20:30", "not_applicable")] // before the order's date in the data
    [InlineData("504", "2008-01-01", "20:30", "block")]
    // Miss. Code 77-3-723(1): 08:00-20:00, local time and "Central Standard Time" (both applied).
    [InlineData("601", "2026-01-12", "07:59", "block")]
    [InlineData("601", "2026-01-12", "08:00", "pass")]
    [InlineData("601", "2026-01-12", "19:59", "pass")]
    [InlineData("601", "2026-01-12", "20:00", "block")]
    [InlineData("601", "2026-07-13", "08:59", "block")] // 07:59 CST
    [InlineData("601", "2026-07-13", "09:00", "pass")]  // 08:00 CST
    [InlineData("601", "2026-07-13", "19:59", "pass")]
    [InlineData("601", "2026-07-13", "20:00", "block")] // local 20:00
    [InlineData("601", "2003-06-30", "20:30", "not_applicable")]
    [InlineData("601", "2003-07-01", "20:30", "block")]
    // Conn. Gen. Stat. 42-288a(c) (P.A. 23-98, from 2023-10-01): 09:00-20:00.
    [InlineData("203", "2026-07-13", "08:59", "block")]
    [InlineData("203", "2026-07-13", "09:00", "pass")]
    [InlineData("203", "2026-07-13", "19:59", "pass")]
    [InlineData("203", "2026-07-13", "20:00", "block")]
    [InlineData("203", "2023-09-30", "20:30", "not_applicable")]
    [InlineData("203", "2023-10-01", "20:30", "block")]
    // KRS 367.461(2)(e): automated calls 08:00-21:00.
    [InlineData("502", "2026-07-13", "07:59", "block")]
    [InlineData("502", "2026-07-13", "08:00", "pass")]
    [InlineData("502", "2026-07-13", "20:59", "pass")]
    [InlineData("502", "2026-07-13", "21:00", "block")]
    [InlineData("502", "1992-07-13", "07:30", "not_applicable")]
    [InlineData("502", "1992-07-14", "07:30", "block")]
    // Ala. Admin. Code r. 770-X-5-.17(1)(b): automated solicitation calls 08:00-20:00 (Sunday and holidays: restricted_day).
    [InlineData("205", "2026-07-13", "07:59", "block")]
    [InlineData("205", "2026-07-13", "08:00", "pass")]
    [InlineData("205", "2026-07-13", "19:59", "pass")]
    [InlineData("205", "2026-07-13", "20:00", "block")]
    [InlineData("205", "1989-12-31", "20:30", "not_applicable")]
    [InlineData("205", "1990-01-01", "20:30", "block")]
    // 815 ILCS 305/15(a): no autodialer call between 21:00 and 09:00 (uncertain: the hours as reported).
    [InlineData("312", "2026-07-13", "08:59", "block")]
    [InlineData("312", "2026-07-13", "09:00", "pass")]
    [InlineData("312", "2026-07-13", "20:59", "pass")]
    [InlineData("312", "2026-07-13", "21:00", "block")]
    [InlineData("312", "1990-12-31", "08:30", "not_applicable")]
    [InlineData("312", "1991-01-01", "08:30", "block")]
    // NRS 597.814(2)(a): no automatic dialing and announcing between 21:00 and 09:00.
    [InlineData("702", "2026-07-13", "08:59", "block")]
    [InlineData("702", "2026-07-13", "09:00", "pass")]
    [InlineData("702", "2026-07-13", "20:59", "pass")]
    [InlineData("702", "2026-07-13", "21:00", "block")]
    [InlineData("702", "1989-12-31", "08:30", "not_applicable")]
    [InlineData("702", "1990-01-01", "08:30", "block")]
    // NMSA 1978, 57-12-22(B)(5): not received before 09:00 or after 21:00.
    [InlineData("505", "2026-01-12", "08:59", "block")]
    [InlineData("505", "2026-01-12", "09:00", "pass")]
    [InlineData("505", "2026-01-12", "20:59", "pass")]
    [InlineData("505", "2026-01-12", "21:00", "block")]
    [InlineData("505", "1989-12-31", "08:30", "not_applicable")]
    [InlineData("505", "1990-01-01", "08:30", "block")]
    public void StateWindow_MarketingAtEdgesAndEffectiveDates_Expected(string npa, string date, string time, string expected)
    {
        var zone = npa switch
        {
            "203" or "502" => "America/New_York",
            "702" => "America/Los_Angeles",
            "505" => "America/Denver",
            _ => "America/Chicago",
        };

        Assert.Equal(expected, Outcome("state_calling_hours", npa, zone, Purpose.Marketing, date, time));
    }

    [Theory]
    // R.I. Gen. Laws 5-61-3.6, 5-61-2(2): Monday-Friday 09:00-18:00, Saturday 10:00-17:00, never Sunday.
    [InlineData("2026-07-13", "08:59", "block")]
    [InlineData("2026-07-13", "09:00", "pass")]
    [InlineData("2026-07-13", "17:59", "pass")]
    [InlineData("2026-07-13", "18:00", "block")]
    [InlineData("2026-07-18", "09:59", "block")]
    [InlineData("2026-07-18", "10:00", "pass")]
    [InlineData("2026-07-18", "16:59", "pass")]
    [InlineData("2026-07-18", "17:00", "block")]
    [InlineData("2026-07-12", "12:00", "block")]
    [InlineData("1999-06-30", "18:30", "not_applicable")]
    [InlineData("1999-07-01", "18:30", "block")]
    public void RhodeIsland_HoursOfOperation_Expected(string date, string time, string expected)
    {
        Assert.Equal(expected, Outcome("state_calling_hours", "401", "America/New_York", Purpose.Marketing, date, time));
    }

    [Theory]
    [InlineData("504", "America/Chicago")]
    [InlineData("601", "America/Chicago")]
    [InlineData("401", "America/New_York")]
    [InlineData("203", "America/New_York")]
    [InlineData("205", "America/Chicago")]
    [InlineData("312", "America/Chicago")]
    [InlineData("702", "America/Los_Angeles")]
    [InlineData("505", "America/Denver")]
    public void StateWindow_TransactionalCall_NotApplied(string npa, string zone)
    {
        Assert.Equal("not_applicable", Outcome("state_calling_hours", npa, zone, Purpose.Transactional, "2026-07-13", "20:30"));
    }

    [Theory]
    // R.I. Gen. Laws 5-61-2(2): never on a state or federal holiday: Juneteenth (federal), Election Day, a Saturday holiday.
    [InlineData("401", "America/New_York", "2026-06-18", "pass", false)]
    [InlineData("401", "America/New_York", "2026-06-19", "block", true)]
    [InlineData("401", "America/New_York", "2026-11-03", "block", true)]
    [InlineData("401", "America/New_York", "2027-06-19", "block", true)]
    // 44 P.S. 11: Election Day is a legal holiday in Pennsylvania.
    [InlineData("215", "America/New_York", "2026-11-03", "block", true)]
    [InlineData("215", "America/New_York", "2026-11-04", "pass", false)]
    [InlineData("215", "America/New_York", "2027-11-02", "block", true)]
    // Miss. PSC rule R. 1:28, ended 2023-06-30: the ban's last day fails closed (no list that early), the next day is free;
    // 2026-07-03 (observed Independence Day, on the old list) is no longer banned; Sunday still is (77-3-723(1)).
    [InlineData("601", "America/Chicago", "2023-06-30", "block", true)]
    [InlineData("601", "America/Chicago", "2023-07-01", "pass", false)]
    [InlineData("601", "America/Chicago", "2026-07-03", "pass", false)]
    [InlineData("601", "America/Chicago", "2026-07-12", "block", false)]
    // Both bounds of the lists: before coveredFrom and after coveredThrough the ban fails closed.
    [InlineData("215", "America/New_York", "2025-12-31", "block", true)]
    [InlineData("215", "America/New_York", "2026-01-02", "pass", false)]
    [InlineData("801", "America/Denver", "2025-12-31", "block", true)]
    [InlineData("215", "America/New_York", "2028-01-03", "block", true)]
    public void RestrictedDay_HolidayListsAndTheirBounds_Expected(
        string npa, string zone, string date, string expected, bool holiday)
    {
        var at = GateTestData.Local(zone, date, "12:00");
        var decision = (GateCase.Default with { Purpose = Purpose.Marketing, Npa = npa, At = at }).Decide();

        var check = decision.CheckOf("restricted_day");
        Assert.Equal(expected, check.Outcome);
        if (expected == "block")
            Assert.Contains(holiday ? "holiday" : "Sunday",
                Assert.Single(decision.Reasons, r => r.Rule == "restricted_day").Message, StringComparison.Ordinal);
    }

    [Theory]
    // Tex. Util. Code 55.127 (16 TAC 26.125(c)(3)), KRS 367.461(2)(b), Miss. Code 77-3-723(2), RCW 80.36.400(2):
    // marketing calls (Texas uncertain: its 2013 definition might reach a transactional notice).
    [InlineData("214", "America/Chicago", Purpose.Transactional, "2026-07-13", "not_applicable")]
    [InlineData("214", "America/Chicago", Purpose.Marketing, "2026-07-13", "block")]
    [InlineData("502", "America/New_York", Purpose.Marketing, "2026-07-13", "block")]
    [InlineData("502", "America/New_York", Purpose.Transactional, "2026-07-13", "not_applicable")]
    [InlineData("601", "America/Chicago", Purpose.Marketing, "2026-07-13", "block")]
    [InlineData("601", "America/Chicago", Purpose.Transactional, "2026-07-13", "not_applicable")]
    [InlineData("206", "America/Los_Angeles", Purpose.Marketing, "2026-07-13", "block")]
    [InlineData("206", "America/Los_Angeles", Purpose.Transactional, "2026-07-13", "not_applicable")]
    [InlineData("415", "America/Los_Angeles", Purpose.Marketing, "2026-07-13", "not_applicable")]
    // Effective dates: RCW 80.36.400 (1986 c 281), Tex. Util. Code 55 subchapter F (1997).
    [InlineData("206", "America/Los_Angeles", Purpose.Marketing, "1986-06-10", "not_applicable")]
    [InlineData("206", "America/Los_Angeles", Purpose.Marketing, "1986-06-11", "block")]
    [InlineData("214", "America/Chicago", Purpose.Marketing, "1997-08-31", "not_applicable")]
    [InlineData("214", "America/Chicago", Purpose.Marketing, "1997-09-01", "block")]
    // Ala. Admin. Code r. 770-X-5-.17(1)(e), (f) (name and number within 20 s and at the end), NMSA 1978, 57-12-22(A)
    // (established business relationship), NRS 597.814(1) (a natural voice first; uncertain): marketing calls, from the
    // dates in the data (1990-01-01, not verified).
    [InlineData("205", "America/Chicago", Purpose.Marketing, "2026-07-13", "block")]
    [InlineData("205", "America/Chicago", Purpose.Transactional, "2026-07-13", "not_applicable")]
    [InlineData("505", "America/Denver", Purpose.Marketing, "2026-07-13", "block")]
    [InlineData("505", "America/Denver", Purpose.Transactional, "2026-07-13", "not_applicable")]
    [InlineData("702", "America/Los_Angeles", Purpose.Marketing, "2026-07-13", "block")]
    [InlineData("702", "America/Los_Angeles", Purpose.Transactional, "2026-07-13", "not_applicable")]
    [InlineData("205", "America/Chicago", Purpose.Marketing, "1989-12-31", "not_applicable")]
    [InlineData("205", "America/Chicago", Purpose.Marketing, "1990-01-01", "block")]
    [InlineData("505", "America/Denver", Purpose.Marketing, "1989-12-31", "not_applicable")]
    [InlineData("702", "America/Los_Angeles", Purpose.Marketing, "1990-01-01", "block")]
    public void StateAdad_FrameCannotMeetTheState_Blocked(string npa, string zone, Purpose purpose, string date, string expected)
    {
        var decision = (GateCase.Default with { Purpose = purpose, Npa = npa, At = GateTestData.Local(zone, date, "12:00") })
            .Decide();

        var check = decision.CheckOf("state_adad");
        Assert.Equal(expected, check.Outcome);
        if (expected == "block")
        {
            Assert.Equal(ReasonCodes.AdadNotAllowed, check.Code);
            Assert.Contains(decision.Reasons, r => r.Code == ReasonCodes.AdadNotAllowed && r.Message.Contains("requires"));
            Assert.Null(decision.NextAllowedAt); // waiting does not lift it
        }
    }

    [Theory]
    // Fla. Stat. 501.616(6)(b) from 2021-07-01 (in force somewhere on Earth from 10:00Z the day before); Md. Com. Law
    // 14-4502 from 2024-01-01.
    [InlineData("2021-06-30T09:59:00Z", null)]
    [InlineData("2021-06-30T10:00:00Z", "Fla. Stat. 501.616(6)(b)")]
    [InlineData("2023-12-30T12:00:00Z", "15 O.S. 775C.4")]
    [InlineData("2024-01-01T12:00:00Z", "Md. Com. Law 14-4502")]
    public void FrequencyCap_CitesTheStateCapsInForce(string utc, string? cited)
    {
        var check = (GateCase.Default with { Purpose = Purpose.Marketing, At = GateTestData.Utc(utc) }).Decide()
            .CheckOf("frequency_cap");

        if (cited is null) Assert.StartsWith("VoiceProxy policy", check.Citation, StringComparison.Ordinal);
        else Assert.Contains(cited, check.Citation, StringComparison.Ordinal);
        if (utc.StartsWith("2023", StringComparison.Ordinal))
            Assert.DoesNotContain("Md.", check.Citation, StringComparison.Ordinal);
    }

    [Fact]
    public void PastDryRun_UsesThePastRules_AndNamesTheRuleBook()
    {
        // Connecticut's 20:00 end took effect on 2023-10-01: the same marketing call at 20:30 passes the state rules on
        // Thursday 2023-09-28 and is blocked on Monday 2023-10-02.
        var call = GateCase.Default with { Purpose = Purpose.Marketing, Npa = "203" };
        var before = (call with { At = GateTestData.Local("America/New_York", "2023-09-28", "20:30") }).Decide();
        var after = (call with { At = GateTestData.Local("America/New_York", "2023-10-02", "20:30") }).Decide();

        Assert.True(before.Allowed, string.Join("; ", before.Reasons.Select(r => r.Message)));
        Assert.False(after.Allowed);
        Assert.Equal([ReasonCodes.OutsideCallingHours], after.Codes());
        Assert.Equal(GateTestData.Rules.Version, before.RulesVersion);
        Assert.Equal(GateTestData.Rules.Version, after.RulesVersion);
    }
}
