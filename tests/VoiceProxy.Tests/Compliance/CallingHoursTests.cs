using VoiceProxy.Compliance;
using VoiceProxy.Consent;

namespace VoiceProxy.Tests.Compliance;

/// <summary>docs/compliance-rules.md section 5: federal 08:00-21:00 in every candidate zone for every call, state overlays
/// (state-rules.json) under the rules of every candidate state, unknown area code fails closed.
/// Dates: Sun 2026-07-12, Mon 2026-07-13, Wed 2026-07-15 (DST in force: EDT UTC-4, CDT UTC-5, MDT UTC-6, PDT UTC-7).</summary>
public sealed class CallingHoursTests
{
    [Theory]
    [InlineData("212", "America/New_York", "08:00", true)]
    [InlineData("212", "America/New_York", "07:59", false)]
    [InlineData("212", "America/New_York", "20:59", true)]
    [InlineData("212", "America/New_York", "21:00", false)]
    [InlineData("212", "America/New_York", "00:00", false)]
    [InlineData("212", "America/New_York", "12:00", true)]
    [InlineData("808", "Pacific/Honolulu", "07:59", false)]
    [InlineData("808", "Pacific/Honolulu", "08:00", true)]
    [InlineData("808", "Pacific/Honolulu", "21:00", false)]
    [InlineData("303", "America/Denver", "20:59", true)]
    [InlineData("303", "America/Denver", "21:00", false)]
    [InlineData("602", "America/Phoenix", "08:00", true)]
    [InlineData("602", "America/Phoenix", "07:59", false)]
    [InlineData("787", "America/Puerto_Rico", "21:00", false)]
    public void FederalHours_LocalTime_ExpectedForBothPurposes(string npa, string zone, string localTime, bool inside)
    {
        foreach (var purpose in new[] { Purpose.Transactional, Purpose.Marketing })
        {
            var decision = (GateCase.TimeRules with
            {
                Purpose = purpose,
                Npa = npa,
                At = GateTestData.Local(zone, "2026-07-15", localTime)
            }).Decide();

            var check = decision.CheckOf("calling_hours");
            Assert.Equal(inside ? Outcome.Pass : Outcome.Block, check.Outcome);
            Assert.Equal(inside, decision.Allowed);
            if (!inside) Assert.Equal([ReasonCodes.OutsideCallingHours], decision.Codes());
        }
    }

    [Theory]
    // 850 FL covers America/Chicago and America/New_York; transactional, so only the federal window applies.
    [InlineData("2026-07-15T12:30:00Z", false)] // 07:30 CDT / 08:30 EDT: Central outside
    [InlineData("2026-07-15T13:00:00Z", true)]  // 08:00 CDT / 09:00 EDT
    [InlineData("2026-07-16T00:59:00Z", true)]  // 19:59 CDT / 20:59 EDT
    [InlineData("2026-07-16T01:00:00Z", false)] // 20:00 CDT / 21:00 EDT: Eastern outside
    [InlineData("2026-07-16T01:30:00Z", false)] // 20:30 CDT / 21:30 EDT
    [InlineData("2026-01-14T13:30:00Z", false)] // winter: 07:30 CST (UTC-6) / 08:30 EST (UTC-5)
    [InlineData("2026-01-14T14:00:00Z", true)]  // 08:00 CST / 09:00 EST
    public void FederalHours_TwoZoneAreaCode850_MustBeInsideInBothZones(string utc, bool allowed)
    {
        var decision = (GateCase.TimeRules with { Npa = "850", At = GateTestData.Utc(utc) }).Decide();

        Assert.Equal(allowed ? Outcome.Pass : Outcome.Block, decision.CheckOf("calling_hours").Outcome);
        Assert.Equal(allowed, decision.Allowed);
    }

    [Fact]
    public void FederalHours_TwoZoneAreaCode850_ReasonNamesTheZoneOutside()
    {
        // 07:30 CDT = 08:30 EDT
        var decision = (GateCase.TimeRules with { Npa = "850", At = GateTestData.Utc("2026-07-15T12:30:00Z") }).Decide();

        var reason = Assert.Single(decision.Reasons);
        Assert.Contains("America/Chicago", reason.Message);
        Assert.DoesNotContain("America/New_York", reason.Message);
    }

    [Theory]
    // npa, zone, purpose, date, local time, allowed, the blocking rule (null when allowed)
    // FL/MD/WA/MA: marketing 08:00-20:00, transactional keeps the federal 21:00
    [InlineData("305", "America/New_York", Purpose.Marketing, "2026-07-15", "20:00", false, "state_calling_hours")]
    [InlineData("305", "America/New_York", Purpose.Marketing, "2026-07-15", "19:59", true, null)]
    [InlineData("305", "America/New_York", Purpose.Transactional, "2026-07-15", "20:00", true, null)]
    [InlineData("305", "America/New_York", Purpose.Transactional, "2026-07-15", "20:59", true, null)]
    [InlineData("410", "America/New_York", Purpose.Marketing, "2026-07-15", "20:00", false, "state_calling_hours")]
    [InlineData("410", "America/New_York", Purpose.Transactional, "2026-07-15", "20:00", true, null)]
    [InlineData("206", "America/Los_Angeles", Purpose.Marketing, "2026-07-15", "20:00", false, "state_calling_hours")]
    [InlineData("206", "America/Los_Angeles", Purpose.Transactional, "2026-07-15", "20:00", true, null)]
    [InlineData("617", "America/New_York", Purpose.Marketing, "2026-07-15", "20:00", false, "state_calling_hours")]
    [InlineData("617", "America/New_York", Purpose.Transactional, "2026-07-15", "20:00", true, null)]
    // CA: any automated call 09:00-21:00
    [InlineData("415", "America/Los_Angeles", Purpose.Transactional, "2026-07-15", "08:30", false, "state_calling_hours")]
    [InlineData("415", "America/Los_Angeles", Purpose.Marketing, "2026-07-15", "08:30", false, "state_calling_hours")]
    [InlineData("415", "America/Los_Angeles", Purpose.Transactional, "2026-07-15", "08:59", false, "state_calling_hours")]
    [InlineData("415", "America/Los_Angeles", Purpose.Transactional, "2026-07-15", "09:00", true, null)]
    [InlineData("415", "America/Los_Angeles", Purpose.Marketing, "2026-07-15", "20:59", true, null)]
    // OK: any automated call 09:00-21:00 (755.1), marketing also 08:00-20:00 (775C) -> marketing 09:00-20:00
    [InlineData("405", "America/Chicago", Purpose.Transactional, "2026-07-15", "08:30", false, "state_calling_hours")]
    [InlineData("405", "America/Chicago", Purpose.Transactional, "2026-07-15", "09:00", true, null)]
    [InlineData("405", "America/Chicago", Purpose.Transactional, "2026-07-15", "20:30", true, null)]
    [InlineData("405", "America/Chicago", Purpose.Marketing, "2026-07-15", "08:30", false, "state_calling_hours")]
    [InlineData("405", "America/Chicago", Purpose.Marketing, "2026-07-15", "09:00", true, null)]
    [InlineData("405", "America/Chicago", Purpose.Marketing, "2026-07-15", "20:00", false, "state_calling_hours")]
    // TX marketing: 09:00-21:00 Mon-Sat, 12:00-21:00 Sunday
    [InlineData("214", "America/Chicago", Purpose.Marketing, "2026-07-12", "11:00", false, "state_calling_hours")]
    [InlineData("214", "America/Chicago", Purpose.Marketing, "2026-07-12", "11:59", false, "state_calling_hours")]
    [InlineData("214", "America/Chicago", Purpose.Marketing, "2026-07-12", "12:00", true, null)]
    [InlineData("214", "America/Chicago", Purpose.Marketing, "2026-07-13", "09:00", true, null)]
    [InlineData("214", "America/Chicago", Purpose.Marketing, "2026-07-13", "08:30", false, "state_calling_hours")]
    [InlineData("214", "America/Chicago", Purpose.Transactional, "2026-07-12", "11:00", true, null)]
    [InlineData("214", "America/Chicago", Purpose.Transactional, "2026-07-13", "08:30", true, null)]
    // AL/LA/MS: no marketing calls on Sunday
    [InlineData("205", "America/Chicago", Purpose.Marketing, "2026-07-12", "12:00", false, "restricted_day")]
    [InlineData("504", "America/Chicago", Purpose.Marketing, "2026-07-12", "12:00", false, "restricted_day")]
    [InlineData("601", "America/Chicago", Purpose.Marketing, "2026-07-12", "12:00", false, "restricted_day")]
    [InlineData("205", "America/Chicago", Purpose.Transactional, "2026-07-12", "12:00", true, null)]
    [InlineData("504", "America/Chicago", Purpose.Transactional, "2026-07-12", "12:00", true, null)]
    [InlineData("601", "America/Chicago", Purpose.Transactional, "2026-07-12", "12:00", true, null)]
    [InlineData("205", "America/Chicago", Purpose.Marketing, "2026-07-13", "12:00", true, null)]
    [InlineData("504", "America/Chicago", Purpose.Marketing, "2026-07-13", "12:00", true, null)]
    [InlineData("601", "America/Chicago", Purpose.Marketing, "2026-07-13", "12:00", true, null)]
    // NY has no overlay
    [InlineData("212", "America/New_York", Purpose.Marketing, "2026-07-12", "08:00", true, null)]
    [InlineData("212", "America/New_York", Purpose.Marketing, "2026-07-15", "20:30", true, null)]
    public void StateOverlay_StatePurposeAndLocalTime_Expected(string npa, string zone, Purpose purpose, string date,
        string localTime, bool allowed, string? blockingRule)
    {
        var decision = (GateCase.TimeRules with { Purpose = purpose, Npa = npa, At = GateTestData.Local(zone, date, localTime) })
            .Decide();

        Assert.Equal(allowed, decision.Allowed);
        if (blockingRule is null)
        {
            Assert.Empty(decision.Reasons);
            return;
        }
        Assert.Contains(decision.ChecksOf(blockingRule), c => c.Outcome == Outcome.Block);
        Assert.All(decision.Reasons, r => Assert.Equal(blockingRule, r.Rule));
        Assert.Equal(blockingRule == "restricted_day" ? ReasonCodes.RestrictedDay : ReasonCodes.OutsideCallingHours,
            decision.Reasons[0].Code);
        Assert.Equal(Outcome.Pass, decision.CheckOf("calling_hours").Outcome);
    }

    [Theory]
    // Two-zone area codes under a state overlay: the state window must hold in every zone.
    [InlineData("850", Purpose.Marketing, "2026-07-16T00:30:00Z", false)]    // 19:30 CDT / 20:30 EDT: FL 20:00 passed in Eastern
    [InlineData("850", Purpose.Transactional, "2026-07-16T00:30:00Z", true)] // same instant, FL window is marketing only
    [InlineData("850", Purpose.Marketing, "2026-07-15T23:59:00Z", true)]     // 18:59 CDT / 19:59 EDT
    // Sun 11:30 MDT / 12:30 CDT: TX Sunday noon not yet in Mountain
    [InlineData("915", Purpose.Marketing, "2026-07-12T17:30:00Z", false)]
    [InlineData("915", Purpose.Marketing, "2026-07-12T18:00:00Z", true)]     // Sun 12:00 MDT / 13:00 CDT
    // 09:30 CDT / 08:30 MDT: OK 755.1 09:00 not yet in Mountain
    [InlineData("580", Purpose.Transactional, "2026-07-15T14:30:00Z", false)]
    [InlineData("580", Purpose.Transactional, "2026-07-15T15:00:00Z", true)]  // 10:00 CDT / 09:00 MDT
    // Sun 23:30 CDT / Mon 00:30 EDT: Sunday in Central (and night)
    [InlineData("334", Purpose.Marketing, "2026-07-13T04:30:00Z", false)]
    public void StateOverlay_TwoZoneAreaCode_AppliedInEveryZone(string npa, Purpose purpose, string utc, bool allowed)
    {
        var decision = (GateCase.TimeRules with { Purpose = purpose, Npa = npa, At = GateTestData.Utc(utc) }).Decide();

        Assert.Equal(allowed, decision.Allowed);
    }

    [Fact]
    public void RestrictedDay_AlabamaSunday_OnlyInTheZoneWhereItIsStillSunday()
    {
        // 334 AL (Central + Eastern): Sun 2026-07-12 22:30 CDT = 23:30 EDT -> Sunday in both, and outside 21:00.
        // Check the restricted_day rule alone at Mon 00:30 EDT = Sun 23:30 CDT (04:30Z): still Sunday in Central.
        var decision = (GateCase.TimeRules with
        {
            Purpose = Purpose.Marketing,
            Npa = "334",
            At = GateTestData.Utc("2026-07-13T04:30:00Z")
        }).Decide();

        var check = decision.CheckOf("restricted_day");
        Assert.Equal(Outcome.Block, check.Outcome);
        Assert.Equal(ReasonCodes.RestrictedDay, check.Code);
    }

    [Theory]
    // 415 (CA, Pacific) with customer state FL: candidates CA+FL, zones Pacific+Central+Eastern.
    // 17:30 PDT = 19:30 CDT = 20:30 EDT (2026-07-16T00:30Z): federal inside everywhere, CA 09-21 inside, FL marketing 08-20
    // outside in Eastern.
    [InlineData("415", null, null, Purpose.Marketing, "2026-07-16T00:30:00Z", true)]
    [InlineData("415", "FL", null, Purpose.Marketing, "2026-07-16T00:30:00Z", false)]
    [InlineData("415", "FL", null, Purpose.Transactional, "2026-07-16T00:30:00Z", true)]
    // 212 (NY, Eastern) + customer state CA: 11:30 EDT = 08:30 PDT (15:30Z): federal inside, CA 09:00 not yet.
    [InlineData("212", null, null, Purpose.Transactional, "2026-07-15T15:30:00Z", true)]
    [InlineData("212", "CA", null, Purpose.Transactional, "2026-07-15T15:30:00Z", false)]
    // 212 + customer zone Pacific: 10:30 EDT = 07:30 PDT (14:30Z): federal outside in Pacific.
    [InlineData("212", null, "America/Los_Angeles", Purpose.Transactional, "2026-07-15T14:30:00Z", false)]
    // 212 + customer state TX on a Sunday: 12:30 EDT = 11:30 CDT (16:30Z): TX Sunday noon not yet in Central.
    [InlineData("212", null, null, Purpose.Marketing, "2026-07-12T16:30:00Z", true)]
    [InlineData("212", "TX", null, Purpose.Marketing, "2026-07-12T16:30:00Z", false)]
    // 212 + customer state AL on a Sunday: restricted day
    [InlineData("212", "AL", null, Purpose.Marketing, "2026-07-12T16:30:00Z", false)]
    // Supplied location never loosens: 850 at 07:30 CDT (12:30Z) with customer NY/Eastern still has Central as a candidate.
    [InlineData("850", "NY", "America/New_York", Purpose.Transactional, "2026-07-15T12:30:00Z", false)]
    // 415 at 08:30 PDT (15:30Z) with customer NY: CA rule still applies.
    [InlineData("415", "NY", "America/New_York", Purpose.Transactional, "2026-07-15T15:30:00Z", false)]
    public void CustomerLocation_AddsCandidates_OnlyStricter(string npa, string? state, string? zone, Purpose purpose, string utc,
        bool allowed)
    {
        var decision = (GateCase.TimeRules with
        {
            Purpose = purpose,
            Npa = npa,
            CustomerState = state,
            CustomerZone = zone,
            At = GateTestData.Utc(utc)
        }).Decide();

        Assert.Equal(allowed, decision.Allowed);
        Assert.All(decision.Reasons,
            r => Assert.Contains(r.Code, new[] { ReasonCodes.OutsideCallingHours, ReasonCodes.RestrictedDay }));
    }

    [Fact]
    public void Locate_CustomerState_AddsStateAndAllItsZones()
    {
        var location = GateTestData.Locate("+14155550123", "FL", null);

        Assert.NotNull(location);
        Assert.Equal(["CA", "FL"], location.States);
        Assert.Equal(["America/Chicago", "America/Los_Angeles", "America/New_York"],
            location.Zones.Select(z => z.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Locate_CustomerZone_AddsZoneKeepsAreaCodeZones()
    {
        var location = GateTestData.Locate("+18505550123", null, "America/Denver");

        Assert.NotNull(location);
        Assert.Equal(["FL"], location.States);
        Assert.Equal(["America/Chicago", "America/Denver", "America/New_York"],
            location.Zones.Select(z => z.Id).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("999")]
    [InlineData("800")]
    [InlineData("555")]
    [InlineData("900")]
    public void UnknownAreaCode_BlocksUnknownLocation(string npa)
    {
        foreach (var purpose in new[] { Purpose.Transactional, Purpose.Marketing })
        {
            var decision = (GateCase.TimeRules with { Purpose = purpose, Npa = npa }).Decide();

            Assert.False(decision.Allowed);
            var check = decision.CheckOf("location");
            Assert.Equal(Outcome.Block, check.Outcome);
            Assert.Equal(ReasonCodes.UnknownLocation, check.Code);
            Assert.Equal([ReasonCodes.UnknownLocation], decision.Codes());
            Assert.Equal(Outcome.NotApplicable, decision.CheckOf("calling_hours").Outcome);
            Assert.Null(decision.NextAllowedAt);
        }
    }

    [Fact]
    public void UnknownLocation_NullLocationFacts_Blocks()
    {
        var c = GateCase.TimeRules;
        var facts = c.Facts with { Location = null };

        var decision = c.Gate.Decide(c.Intent, facts, c.At);

        Assert.False(decision.Allowed);
        Assert.Equal([ReasonCodes.UnknownLocation], decision.Codes());
    }

    [Theory]
    // DST ends Sun 2026-11-01 02:00 local; DST starts Sun 2026-03-08 02:00 local. 212 NY transactional.
    [InlineData("2026-10-30T12:00:00Z", true)]  // Fri 08:00 EDT (UTC-4)
    [InlineData("2026-11-02T12:00:00Z", false)] // Mon 07:00 EST (UTC-5): same UTC clock time, now outside
    [InlineData("2026-11-02T13:00:00Z", true)]  // Mon 08:00 EST
    [InlineData("2026-11-03T01:59:00Z", true)]  // Mon 20:59 EST
    [InlineData("2026-11-03T02:00:00Z", false)] // Mon 21:00 EST
    [InlineData("2026-03-06T12:00:00Z", false)] // Fri 07:00 EST (UTC-5)
    [InlineData("2026-03-09T12:00:00Z", true)]  // Mon 08:00 EDT (UTC-4)
    [InlineData("2026-03-10T01:00:00Z", false)] // Mon 21:00 EDT
    public void FederalHours_AroundDstChanges_UsesLocalOffset(string utc, bool allowed)
    {
        var decision = (GateCase.TimeRules with { Npa = "212", At = GateTestData.Utc(utc) }).Decide();

        Assert.Equal(allowed, decision.Allowed);
    }
}
