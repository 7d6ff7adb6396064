using VoiceProxy.Compliance;
using VoiceProxy.Consent;

namespace VoiceProxy.Tests.Compliance;

/// <summary><see cref="Gate.TimeBlocks"/>, what the voice webhook applies at the moment of answer (issue 14, item 4): the
/// hours and day rules only (47 CFR 64.1200(c)(1); 16 CFR 310.4(c); state windows and restricted days), at both edges of
/// each window; never consent, lists, caps or caller ID, which were settled when the call was placed.</summary>
public sealed class AnswerTimeRuleTests
{
    private static readonly string[] HoursAndDays = ["calling_hours", "state_calling_hours", "restricted_day"];

    [Theory]
    // Federal 08:00-21:00, and California's 09:00-21:00 from state-rules.json.
    [InlineData("415", Purpose.Transactional, "America/Los_Angeles", "2026-12-01", "20:59:59", null)]
    [InlineData("415", Purpose.Transactional, "America/Los_Angeles", "2026-12-01", "21:00:00", "outside_calling_hours")]
    [InlineData("415", Purpose.Transactional, "America/Los_Angeles", "2026-12-01", "08:59:59", "outside_calling_hours")]
    [InlineData("415", Purpose.Transactional, "America/Los_Angeles", "2026-12-01", "09:00:00", null)]
    // Florida's 08:00-20:00 for marketing (Fla. Stat. 501.616(6)(a)), not for transactional calls.
    [InlineData("305", Purpose.Marketing, "America/New_York", "2026-12-01", "19:59:59", null)]
    [InlineData("305", Purpose.Marketing, "America/New_York", "2026-12-01", "20:00:00", "outside_calling_hours")]
    [InlineData("305", Purpose.Transactional, "America/New_York", "2026-12-01", "20:30:00", null)]
    // Louisiana's Sunday ban on marketing (state-rules.json), in the window's middle.
    [InlineData("504", Purpose.Marketing, "America/Chicago", "2026-12-06", "12:00:00", "restricted_day")]
    [InlineData("504", Purpose.Transactional, "America/Chicago", "2026-12-06", "12:00:00", null)]
    public void TimeBlocks_AtTheMomentOfAnswer_OnlyTheHoursAndDayRules(
        string npa, Purpose purpose, string zone, string date, string time, string? code)
    {
        // Everything else about the call would block it: none of that counts at the answer.
        var call = GateCase.Default with
        {
            Npa = npa,
            Purpose = purpose,
            At = GateTestData.Local(zone, date, time),
            Marketing = GateTestData.Revoked,
            Transactional = GateTestData.Revoked,
            InternalDncSince = GateTestData.Utc("2026-01-01T00:00:00Z"),
            CallerIds = [],
            TollFreeOptOutLine = false,
            Registries = [],
        };

        var blocks = call.Gate.TimeBlocks(call.Intent, call.Facts, call.At);

        Assert.Equal(code is null ? [] : [code], blocks.Select(b => b.Code).Distinct());
        Assert.All(blocks, b => Assert.Contains(b.Rule, HoursAndDays));
    }
}
