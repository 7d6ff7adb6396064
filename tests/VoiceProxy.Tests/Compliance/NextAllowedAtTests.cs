using VoiceProxy.Compliance;
using VoiceProxy.Consent;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Tests.Compliance;

/// <summary>nextAllowedAt: when only time rules block (hours, state hours, restricted days, frequency cap), the earliest
/// instant at which every time rule passes in every candidate zone; otherwise null.
/// Offsets relied on: July 2026 EDT UTC-4, CDT UTC-5, MDT UTC-6, PDT UTC-7. DST ends Sun 2026-11-01 (PDT UTC-7 -> PST UTC-8),
/// starts Sun 2026-03-08 (EST UTC-5 -> EDT UTC-4).</summary>
public sealed class NextAllowedAtTests
{
    private static List<DateTimeOffset> Calls(string utcList) =>
        utcList.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(GateTestData.Utc).ToList();

    [Theory]
    // npa, purpose, now (UTC), recent calls (UTC), expected nextAllowedAt (UTC)
    // 850 FL (Central + Eastern), Wed 07:30 CDT = 08:30 EDT -> 08:00 CDT = 09:00 EDT
    [InlineData("850", Purpose.Transactional, "2026-07-15T12:30:00Z", "", "2026-07-15T13:00:00Z")]
    // 850, Wed 20:30 CDT = 21:30 EDT -> Thu 08:00 CDT (09:00 EDT)
    [InlineData("850", Purpose.Transactional, "2026-07-16T01:30:00Z", "", "2026-07-16T13:00:00Z")]
    // 850 marketing Wed 19:30 CDT = 20:30 EDT (FL marketing ends 20:00) -> Thu 08:00 CDT
    [InlineData("850", Purpose.Marketing, "2026-07-16T00:30:00Z", "", "2026-07-16T13:00:00Z")]
    // 212 NY, Wed 22:00 EDT -> Thu 08:00 EDT
    [InlineData("212", Purpose.Transactional, "2026-07-16T02:00:00Z", "", "2026-07-16T12:00:00Z")]
    // 212 NY, Wed 00:30 EDT (after midnight) -> same day 08:00 EDT
    [InlineData("212", Purpose.Transactional, "2026-07-15T04:30:00Z", "", "2026-07-15T12:00:00Z")]
    // 415 CA (any call 09:00-21:00), Wed 22:00 PDT -> Thu 09:00 PDT, not 08:00
    [InlineData("415", Purpose.Transactional, "2026-07-16T05:00:00Z", "", "2026-07-16T16:00:00Z")]
    // 415 CA, Wed 08:15 PDT -> 09:00 PDT
    [InlineData("415", Purpose.Transactional, "2026-07-15T15:15:00Z", "", "2026-07-15T16:00:00Z")]
    // 405 OK marketing (09:00-20:00 combined), Wed 20:15 CDT -> Thu 09:00 CDT
    [InlineData("405", Purpose.Marketing, "2026-07-16T01:15:00Z", "", "2026-07-16T14:00:00Z")]
    // 305 FL marketing, Wed 20:15 EDT -> Thu 08:00 EDT
    [InlineData("305", Purpose.Marketing, "2026-07-16T00:15:00Z", "", "2026-07-16T12:00:00Z")]
    // 214 TX marketing, Sun 10:00 CDT -> Sun 12:00 CDT
    [InlineData("214", Purpose.Marketing, "2026-07-12T15:00:00Z", "", "2026-07-12T17:00:00Z")]
    // 214 TX marketing, Sat 21:30 CDT -> Sun 12:00 CDT (not 09:00)
    [InlineData("214", Purpose.Marketing, "2026-07-12T02:30:00Z", "", "2026-07-12T17:00:00Z")]
    // 214 TX marketing, Mon 08:00 CDT -> 09:00 CDT
    [InlineData("214", Purpose.Marketing, "2026-07-13T13:00:00Z", "", "2026-07-13T14:00:00Z")]
    // 915 TX (Mountain + Central) marketing, Sun 10:00 MDT = 11:00 CDT -> Sun 12:00 MDT (13:00 CDT)
    [InlineData("915", Purpose.Marketing, "2026-07-12T16:00:00Z", "", "2026-07-12T18:00:00Z")]
    // 205 AL marketing, Sat 21:30 CDT -> Sunday banned -> Mon 08:00 CDT
    [InlineData("205", Purpose.Marketing, "2026-07-12T02:30:00Z", "", "2026-07-13T13:00:00Z")]
    // 601 MS marketing, Sun 12:00 CDT -> Mon 08:00 CDT
    [InlineData("601", Purpose.Marketing, "2026-07-12T17:00:00Z", "", "2026-07-13T14:00:00Z")] // 08:00 CST = 09:00 CDT
    // 907 AK (Anchorage AKDT UTC-8, Adak HDT UTC-9), Wed 08:30 AKDT = 07:30 HDT -> 09:00 AKDT = 08:00 HDT
    [InlineData("907", Purpose.Transactional, "2026-07-15T16:30:00Z", "", "2026-07-15T17:00:00Z")]
    // DST end: 415 CA, Sat 2026-10-31 22:00 PDT (UTC-7) -> Sun 2026-11-01 09:00 PST (UTC-8) = 17:00Z
    [InlineData("415", Purpose.Transactional, "2026-11-01T05:00:00Z", "", "2026-11-01T17:00:00Z")]
    // DST start: 212 NY, Sat 2026-03-07 22:00 EST (UTC-5) -> Sun 2026-03-08 08:00 EDT (UTC-4) = 12:00Z
    [InlineData("212", Purpose.Transactional, "2026-03-08T03:00:00Z", "", "2026-03-08T12:00:00Z")]
    // Cap: 212 marketing Wed 12:00 EDT with calls 23 h, 2 h, 1 h ago -> oldest + 24 h = 13:00 EDT
    [InlineData("212", Purpose.Marketing, "2026-07-15T16:00:00Z",
        "2026-07-14T17:00:00Z;2026-07-15T14:00:00Z;2026-07-15T15:00:00Z", "2026-07-15T17:00:00Z")]
    // Cap binding past the next opening: calls Wed 20:40/20:45/20:50 EDT; now Thu 07:00 EDT -> 08:00 still capped -> Thu 20:40
    // EDT
    [InlineData("212", Purpose.Marketing, "2026-07-16T11:00:00Z",
        "2026-07-16T00:40:00Z;2026-07-16T00:45:00Z;2026-07-16T00:50:00Z", "2026-07-17T00:40:00Z")]
    // Cap expiring at night: calls Wed 21:10/21:20/21:30 EDT; now Thu 20:00 EDT -> cap lifts 21:10 EDT, outside hours -> Fri
    // 08:00 EDT
    [InlineData("212", Purpose.Marketing, "2026-07-17T00:00:00Z",
        "2026-07-16T01:10:00Z;2026-07-16T01:20:00Z;2026-07-16T01:30:00Z", "2026-07-17T12:00:00Z")]
    // Transactional cap (5 / 24 h): five calls, oldest Tue 13:00 PDT; now Wed 12:00 PDT -> Wed 13:00 PDT
    [InlineData("415", Purpose.Transactional, "2026-07-15T19:00:00Z",
        "2026-07-14T20:00:00Z;2026-07-15T15:00:00Z;2026-07-15T16:00:00Z;2026-07-15T17:00:00Z;2026-07-15T18:00:00Z",
        "2026-07-15T20:00:00Z")]
    public void NextAllowedAt_OnlyTimeRulesBlock_EarliestInstantAllowedEverywhere(string npa, Purpose purpose, string now,
        string recentCalls, string expected)
    {
        var c = GateCase.TimeRules with
        {
            Npa = npa,
            Purpose = purpose,
            At = GateTestData.Utc(now),
            RecentCalls = Calls(recentCalls)
        };

        var decision = c.Decide();

        Assert.False(decision.Allowed);
        Assert.All(decision.Reasons, r => Assert.Contains(r.Rule, GateTestData.TimeRules));
        Assert.Equal(GateTestData.Utc(expected), decision.NextAllowedAt);
        var next = decision.NextAllowedAt!.Value;
        Assert.True(c.DecideAt(next).Allowed, $"not allowed at nextAllowedAt {next:O}");
        Assert.False(c.DecideAt(next.AddMinutes(-1)).Allowed, $"already allowed a minute before nextAllowedAt {next:O}");
    }

    [Theory]
    // A non-time block together with a time block: waiting is not the answer.
    [InlineData("consent_missing")]
    [InlineData("dnc_internal")]
    [InlineData("caller_id")]
    [InlineData("registry_stale")]
    [InlineData("dnc_national")]
    public void NextAllowedAt_NonTimeBlockWithTimeBlock_Null(string blocker)
    {
        // 212 marketing, Wed 22:00 EDT: outside hours
        var at = GateTestData.Utc("2026-07-16T02:00:00Z");
        var c = GateCase.TimeRules with { Npa = "212", Purpose = Purpose.Marketing, At = at };
        c = blocker switch
        {
            "consent_missing" => c with { Marketing = ConsentStatus.None, Transactional = ConsentStatus.None },
            "dnc_internal" => c with { InternalDncSince = c.At.AddDays(-1) },
            "caller_id" => c with { From = "+12125550999" },
            "registry_stale" => c with { Registries = [new RegistryFact("national", false, c.Today.AddDays(-40))] },
            "dnc_national" => c with
            {
                Registries = [new RegistryFact("national", true, c.Today)],
                WrittenConsentExemptsRegistry = false
            },
            _ => throw new ArgumentOutOfRangeException(nameof(blocker)),
        };

        var decision = c.Decide();

        Assert.False(decision.Allowed);
        Assert.Contains(ReasonCodes.OutsideCallingHours, decision.Codes());
        Assert.Contains(decision.Reasons, r => !GateTestData.TimeRules.Contains(r.Rule));
        Assert.Null(decision.NextAllowedAt);
    }

    [Fact]
    public void NextAllowedAt_NonTimeBlockOnly_Null()
    {
        var decision = (GateCase.TimeRules with { Transactional = ConsentStatus.None, Marketing = ConsentStatus.None }).Decide();

        Assert.Equal([ReasonCodes.ConsentMissing], decision.Codes());
        Assert.Null(decision.NextAllowedAt);
    }

    [Fact]
    public void NextAllowedAt_Allowed_Null()
    {
        var decision = GateCase.TimeRules.Decide();

        Assert.True(decision.Allowed);
        Assert.Null(decision.NextAllowedAt);
    }

    [Fact]
    public void NextAllowedAt_UnknownLocation_Null()
    {
        // 999 is not an area code; 03:00Z would be night almost anywhere in the US.
        var decision = (GateCase.TimeRules with { Npa = "999", At = GateTestData.Utc("2026-07-15T07:00:00Z") }).Decide();

        Assert.Equal([ReasonCodes.UnknownLocation], decision.Codes());
        Assert.Null(decision.NextAllowedAt);
    }

    private static readonly string[] PropertyNpas =
    [
        "212", "305", "415", "405", "580", "214", "915", "432", "205", "334", "504", "601", "410", "206", "617",
        "850", "812", "219", "270", "606", "423", "906", "308", "402", "605", "701", "620", "785", "541", "208",
        "775", "928", "907", "808", "787", "602", "303",
    ];

    private static readonly string?[] PropertyCustomerStates = [null, null, null, "FL", "CA", "TX", "OK", "AL", "NY", "AZ"];

    /// <summary>For a few hundred generated calls (fixed seed): whenever only time rules block, nextAllowedAt exists, is allowed,
    /// and every instant between now and it is still blocked (checked one minute before and at sampled instants).</summary>
    [Fact]
    public void NextAllowedAt_GeneratedCalls_IsEarliestAllowedInstant()
    {
        var random = new Random(20260715);
        var start = GateTestData.Utc("2026-01-01T00:00:00Z");
        var checkedCount = 0;
        for (var i = 0; i < 600; i++)
        {
            var at = start.AddMinutes(random.Next(0, 365 * 24 * 60));
            var recent = random.Next(3) == 0
                ? Enumerable.Range(0, random.Next(1, 7)).Select(_ => at.AddMinutes(-random.Next(0, 24 * 60))).ToList()
                : [];
            var c = GateCase.TimeRules with
            {
                Npa = PropertyNpas[random.Next(PropertyNpas.Length)],
                CustomerState = PropertyCustomerStates[random.Next(PropertyCustomerStates.Length)],
                Purpose = random.Next(2) == 0 ? Purpose.Marketing : Purpose.Transactional,
                At = at,
                RecentCalls = recent,
            };
            var label = $"case {i}: {c.Npa}{(c.CustomerState is null ? "" : "+" + c.CustomerState)} {c.Purpose} at {at:O}"
                + $" with {recent.Count} recent calls";

            var decision = c.Decide();
            if (decision.Allowed)
            {
                Assert.Null(decision.NextAllowedAt);
                continue;
            }
            Assert.All(decision.Reasons, r => Assert.Contains(r.Rule, GateTestData.TimeRules));
            Assert.True(decision.NextAllowedAt is not null, $"{label}: no nextAllowedAt");
            var next = decision.NextAllowedAt!.Value;
            Assert.True(next > at && next <= at.AddDays(9), $"{label}: nextAllowedAt {next:O} out of range");
            Assert.True(c.DecideAt(next).Allowed,
                $"{label}: blocked at nextAllowedAt {next:O}: {string.Join(", ", c.DecideAt(next).Codes())}");
            Assert.False(c.DecideAt(next.AddMinutes(-1)).Allowed,
                $"{label}: already allowed one minute before nextAllowedAt {next:O}");
            for (var s = 0; s < 5; s++)
            {
                var between = at.AddMinutes(random.Next(0, (int)(next - at).TotalMinutes));
                Assert.False(c.DecideAt(between).Allowed, $"{label}: allowed at {between:O}, before nextAllowedAt {next:O}");
            }
            checkedCount++;
        }
        Assert.True(checkedCount > 100, $"only {checkedCount} blocked cases were generated");
    }
}
