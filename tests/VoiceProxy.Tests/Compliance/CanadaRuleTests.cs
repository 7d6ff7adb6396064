using VoiceProxy.Compliance;
using VoiceProxy.Consent;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Tests.Compliance;

/// <summary>docs/compliance-rules.md "Canada": the CRTC's Unsolicited Telecommunications Rules decide a call to a Canadian
/// number, the US federal rules never do, and each decision names its jurisdiction. Dates: Wed 2026-07-15, Sat 2026-07-18,
/// Sun 2026-07-19 (summer, daylight time where observed) and Wed 2026-01-14, Sat 2026-01-17, Sun 2026-01-18 (winter).
/// </summary>
public sealed class CanadaRuleTests
{
    /// <summary>Every Canadian zone of the area-code table, with an area code that reaches it.</summary>
    private static readonly (string Zone, string Npa)[] CanadianZones =
    [
        ("America/St_Johns", "709"), ("America/Halifax", "902"), ("America/Blanc-Sablon", "418"),
        ("America/Toronto", "416"), ("America/Atikokan", "807"), ("America/Winnipeg", "204"), ("America/Regina", "306"),
        ("America/Edmonton", "403"), ("America/Creston", "250"), ("America/Dawson_Creek", "250"),
        ("America/Fort_Nelson", "250"), ("America/Vancouver", "604"), ("America/Whitehorse", "867"),
        ("America/Iqaluit", "867"), ("America/Rankin_Inlet", "867"), ("America/Cambridge_Bay", "867"),
    ];

    /// <summary>UTR Part III: weekdays 09:00-21:30, Saturdays and Sundays 10:00-18:00; both edges of each window.</summary>
    private static readonly (string Day, string Time, bool Inside)[] Edges =
    [
        ("weekday", "08:59", false), ("weekday", "09:00", true), ("weekday", "21:29", true), ("weekday", "21:30", false),
        ("weekday", "18:00", true),
        ("saturday", "09:59", false), ("saturday", "10:00", true), ("saturday", "17:59", true), ("saturday", "18:00", false),
        ("saturday", "21:00", false),
        ("sunday", "09:59", false), ("sunday", "10:00", true), ("sunday", "17:59", true), ("sunday", "18:00", false),
    ];

    private static readonly Dictionary<(string Season, string Day), string> Dates = new()
    {
        [("summer", "weekday")] = "2026-07-15", [("summer", "saturday")] = "2026-07-18",
        [("summer", "sunday")] = "2026-07-19", [("winter", "weekday")] = "2026-01-14",
        [("winter", "saturday")] = "2026-01-17", [("winter", "sunday")] = "2026-01-18",
    };

    public static TheoryData<string, string, string, string, string, bool> ZoneEdges()
    {
        var data = new TheoryData<string, string, string, string, string, bool>();
        foreach (var (zone, npa) in CanadianZones)
            foreach (var season in new[] { "summer", "winter" })
                foreach (var (day, time, inside) in Edges)
                    data.Add(zone, npa, season, day, time, inside);
        return data;
    }

    [Theory]
    [MemberData(nameof(ZoneEdges))]
    public void CallingHours_EveryCanadianZone_BothEdgesOfEachWindow(
        string zone, string npa, string season, string day, string time, bool inside)
    {
        foreach (var purpose in new[] { Purpose.Transactional, Purpose.Marketing })
        {
            var decision = (GateCase.Canada with
            {
                Npa = npa,
                Zones = [zone],
                Purpose = purpose,
                At = GateTestData.Local(zone, Dates[(season, day)], time),
            }).Decide();

            var check = decision.CheckOf("calling_hours");
            Assert.Equal(inside ? Outcome.Pass : Outcome.Block, check.Outcome);
            Assert.Contains("CRTC Unsolicited Telecommunications Rules Part III", check.Citation, StringComparison.Ordinal);
            Assert.Equal(inside, decision.Allowed);
            if (!inside) Assert.Equal([ReasonCodes.OutsideCallingHours], decision.Codes());
            Assert.Equal("CA", decision.Jurisdiction);
        }
    }

    [Theory]
    // 709: Newfoundland (UTC-3:30, NDT -2:30) and Labrador on Atlantic time: the window must be open in both.
    [InlineData("709", "2026-07-15T11:30:00Z", false)] // 09:00 NDT / 08:30 ADT
    [InlineData("709", "2026-07-15T12:00:00Z", true)]  // 09:30 NDT / 09:00 ADT
    [InlineData("709", "2026-07-15T23:59:00Z", true)]  // 21:29 NDT / 20:59 ADT
    [InlineData("709", "2026-07-16T00:00:00Z", false)] // 21:30 NDT
    [InlineData("709", "2026-01-14T12:59:00Z", false)] // 09:29 NST / 08:59 AST
    [InlineData("709", "2026-01-14T13:00:00Z", true)]  // 09:30 NST / 09:00 AST
    [InlineData("709", "2026-01-15T00:59:00Z", true)]  // 21:29 NST
    [InlineData("709", "2026-01-15T01:00:00Z", false)] // 21:30 NST
    [InlineData("879", "2026-07-15T11:30:00Z", false)] // the overlay has the same zones
    // 306: Saskatchewan without daylight time, Lloydminster on Alberta time, Creighton on Central daylight time.
    [InlineData("306", "2026-01-14T15:59:00Z", false)] // winter: 09:59 CST Regina, 08:59 MST Lloydminster
    [InlineData("306", "2026-01-14T16:00:00Z", true)]  // 10:00 CST, 09:00 MST
    [InlineData("306", "2026-01-15T03:29:00Z", true)]  // 21:29 CST
    [InlineData("306", "2026-01-15T03:30:00Z", false)] // 21:30 CST
    [InlineData("306", "2026-07-15T14:59:00Z", false)] // summer: 08:59 CST Regina = 08:59 MDT
    [InlineData("306", "2026-07-15T15:00:00Z", true)]  // 09:00 CST / MDT, 10:00 CDT Creighton
    [InlineData("306", "2026-07-16T02:29:00Z", true)]  // 21:29 CDT Creighton, 20:29 CST Regina
    [InlineData("306", "2026-07-16T02:30:00Z", false)] // 21:30 CDT Creighton
    [InlineData("639", "2026-07-18T15:59:00Z", false)] // Saturday: 09:59 CST
    [InlineData("474", "2026-07-18T16:00:00Z", true)]  // Saturday: 10:00 CST, 11:00 CDT
    [InlineData("474", "2026-07-18T22:59:00Z", true)]  // Saturday: 17:59 CDT
    [InlineData("639", "2026-07-18T23:00:00Z", false)] // Saturday: 18:00 CDT
    // 250 and its overlays: Pacific, Mountain with daylight time, and three places on UTC-7 all year.
    [InlineData("250", "2026-07-15T15:00:00Z", false)] // 09:00 MDT Cranbrook, 08:00 PDT and MST (Creston, Fort Nelson)
    [InlineData("250", "2026-07-15T15:59:00Z", false)] // 08:59 PDT Vancouver
    [InlineData("250", "2026-07-15T16:00:00Z", true)]  // 09:00 PDT, 10:00 MDT and MST
    [InlineData("778", "2026-07-16T03:29:00Z", true)]  // 21:29 MDT / MST, 20:29 PDT
    [InlineData("236", "2026-07-16T03:30:00Z", false)] // 21:30 MDT / MST
    [InlineData("672", "2026-01-14T16:59:00Z", false)] // winter: 08:59 PST
    [InlineData("672", "2026-01-14T17:00:00Z", true)]  // 09:00 PST, 10:00 MST
    [InlineData("250", "2026-01-15T04:29:00Z", true)]  // 21:29 MST
    [InlineData("250", "2026-01-15T04:30:00Z", false)] // 21:30 MST
    [InlineData("604", "2026-07-15T16:00:00Z", true)]  // 604 is the Lower Mainland only: 09:00 PDT
    [InlineData("604", "2026-07-16T04:29:00Z", true)]  // 21:29 PDT (250 would be past 21:30 in Mountain areas)
    // 867: Yukon (UTC-7 all year), Northwest Territories (Mountain) and Nunavut's three zones.
    [InlineData("867", "2026-07-15T15:00:00Z", false)] // 09:00 MDT, 08:00 MST Whitehorse
    [InlineData("867", "2026-07-15T16:00:00Z", true)]  // 09:00 MST Whitehorse, 12:00 EDT Iqaluit
    [InlineData("867", "2026-07-16T01:29:00Z", true)]  // 21:29 EDT Iqaluit
    [InlineData("867", "2026-07-16T01:30:00Z", false)] // 21:30 EDT Iqaluit
    [InlineData("867", "2026-01-14T15:59:00Z", false)] // winter: 08:59 MST Whitehorse and Cambridge Bay
    [InlineData("867", "2026-01-14T16:00:00Z", true)]  // 09:00 MST, 11:00 EST Iqaluit
    [InlineData("867", "2026-01-15T02:29:00Z", true)]  // 21:29 EST Iqaluit
    [InlineData("867", "2026-01-15T02:30:00Z", false)] // 21:30 EST Iqaluit
    public void CallingHours_SplitAreaCode_MustBeInsideInEveryZone(string npa, string utc, bool allowed)
    {
        var decision = (GateCase.Canada with { Npa = npa, At = GateTestData.Utc(utc) }).Decide();

        Assert.Equal(allowed ? Outcome.Pass : Outcome.Block, decision.CheckOf("calling_hours").Outcome);
        Assert.Equal(allowed, decision.Allowed);
    }

    [Theory]
    [InlineData("2026-07-15", "21:15", true, false)] // CRTC allows until 21:30; the TCPA's 21:00 does not apply
    [InlineData("2026-07-15", "08:30", false, true)] // CRTC opens at 09:00; the TCPA's 08:00 does not apply
    [InlineData("2026-07-18", "09:00", false, true)] // Saturday: 10:00 in Canada, 08:00 in the US
    [InlineData("2026-07-19", "19:00", false, true)] // Sunday: 18:00 in Canada, 21:00 in the US
    public void CallingHours_CanadaAndUsAtTheSameLocalTime_EachCountrysOwnWindow(
        string date, string time, bool canada, bool us)
    {
        var toronto = (GateCase.Canada with { At = GateTestData.Local("America/Toronto", date, time) }).Decide();
        var newYork = (GateCase.Default with { Npa = "212", At = GateTestData.Local("America/New_York", date, time) })
            .Decide();

        Assert.Equal(canada, toronto.Allowed);
        Assert.Equal(us, newYork.Allowed);
        Assert.Equal("CA", toronto.Jurisdiction);
        Assert.Equal("US", newYork.Jurisdiction);
    }

    private static readonly string[] CrtcRules =
    [
        "consent", "dnc_internal", "registry_freshness", "dnc_national", "calling_hours", "adad_identification", "caller_id",
        "location",
    ];

    [Fact]
    public void Decide_CanadianNumber_NoUsFederalRule()
    {
        var decision = (GateCase.Canada with { Purpose = Purpose.Marketing }).Decide();

        Assert.True(decision.Allowed);
        Assert.Equal("CA", decision.Jurisdiction);
        Assert.DoesNotContain(decision.Checks, c => c.Citation.Contains("CFR", StringComparison.Ordinal)
            && c.Outcome != Outcome.NotApplicable);
        Assert.DoesNotContain(decision.Checks, c => c.Rule is "opt_out_line" or "dnc_state");
        Assert.Equal([RegistryLists.NationalCanada], decision.Lists.Select(l => l.List));
        Assert.All(CrtcRules, rule => Assert.Contains("CRTC", decision.CheckOf(rule).Citation, StringComparison.Ordinal));
    }

    [Fact]
    public void Decide_UsNumber_NoCrtcRule()
    {
        var decision = (GateCase.Default with { Purpose = Purpose.Marketing, Npa = "212" }).Decide();

        Assert.Equal("US", decision.Jurisdiction);
        Assert.DoesNotContain(decision.Checks, c => c.Citation.Contains("CRTC", StringComparison.Ordinal));
        Assert.DoesNotContain(decision.Checks, c => c.Rule == "adad_identification");
    }

    [Fact]
    public void Decide_UnknownAreaCode_NoJurisdiction()
    {
        var decision = (GateCase.Default with { Npa = "876" }).Decide();

        Assert.Null(decision.Jurisdiction);
        Assert.Contains(ReasonCodes.UnknownLocation, decision.Codes());
    }

    [Theory]
    // consent, listed, seller accepts consent as exemption, allowed, dnc_national outcome, codes
    [InlineData("none", false, true, false, Outcome.Pass, "consent_insufficient")] // transactional consent only
    [InlineData("none", true, true, false, Outcome.Block, "consent_insufficient,dnc_national")]
    [InlineData("express", false, true, true, Outcome.Pass, "")]
    [InlineData("express", true, true, true, Outcome.Exempt, "")] // express consent (oral is enough) lifts the DNCL
    [InlineData("written", true, true, true, Outcome.Exempt, "")]
    [InlineData("express", true, false, false, Outcome.Block, "dnc_national")]
    [InlineData("revoked", true, true, false, Outcome.Block, "consent_revoked,dnc_national")]
    public void Dncl_MarketingCall_ListedOnlyWithExpressConsent(
        string consent, bool listed, bool exempts, bool allowed, string outcome, string codes)
    {
        var c = GateCase.Canada with
        {
            Purpose = Purpose.Marketing,
            Marketing = GateTestData.Consent(consent),
            WrittenConsentExemptsRegistry = exempts,
        };
        var decision = (c with { Registries = [new RegistryFact(RegistryLists.NationalCanada, listed, c.Today.AddDays(-1))] })
            .Decide();

        Assert.Equal(outcome, decision.CheckOf("dnc_national").Outcome);
        Assert.Equal(allowed, decision.Allowed);
        Assert.Equal(codes.Split(',', StringSplitOptions.RemoveEmptyEntries), decision.Codes());
    }

    [Fact]
    public void Dncl_TransactionalCall_NotConsulted()
    {
        var c = GateCase.Canada;
        var decision = (c with { Registries = [new RegistryFact(RegistryLists.NationalCanada, true, c.Today.AddDays(-1))] })
            .Decide();

        Assert.True(decision.Allowed);
        Assert.Equal(Outcome.NotApplicable, decision.CheckOf("dnc_national").Outcome);
        Assert.Equal(Outcome.NotApplicable, decision.CheckOf("registry_freshness").Outcome);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(31, true)]
    [InlineData(32, false)]
    [InlineData(-1, false)] // dated in the future
    public void DnclFreshness_CopyAge_At31DaysOrLess(int ageDays, bool allowed)
    {
        var c = GateCase.Canada with { Purpose = Purpose.Marketing };
        var copy = new RegistryFact(RegistryLists.NationalCanada, false, c.Today.AddDays(-ageDays));
        var decision = (c with { Registries = [copy] }).Decide();

        Assert.Equal(allowed, decision.Allowed);
        Assert.Equal(allowed ? Outcome.Pass : Outcome.Block, decision.CheckOf("registry_freshness").Outcome);
        if (!allowed) Assert.Equal([ReasonCodes.RegistryStale], decision.Codes());
    }

    [Fact]
    public void DnclFreshness_NoCopyLoaded_Blocked()
    {
        var c = GateCase.Canada with { Purpose = Purpose.Marketing };
        var decision = (c with { Registries = [new RegistryFact(RegistryLists.NationalCanada, false, null)] }).Decide();

        Assert.False(decision.Allowed);
        Assert.Contains("national:CA: no copy loaded", decision.Reasons[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DnclFreshness_UsListInsteadOfDncl_Blocked()
    {
        var c = GateCase.Canada with { Purpose = Purpose.Marketing };
        var decision = (c with { Registries = [new RegistryFact(RegistryLists.National, false, c.Today)] }).Decide();

        Assert.False(decision.Allowed);
        Assert.Contains(ReasonCodes.RegistryStale, decision.Codes());
    }

    [Theory]
    [InlineData(Purpose.Transactional)]
    [InlineData(Purpose.Marketing)]
    public void Adad_SellerWithoutMailingAddress_Blocked(Purpose purpose)
    {
        var decision = (GateCase.Canada with { Purpose = purpose, MailingAddress = null }).Decide();

        Assert.False(decision.Allowed);
        Assert.Equal([ReasonCodes.MailingAddressMissing], decision.Codes());
        Assert.Contains("Part IV", decision.CheckOf("adad_identification").Citation, StringComparison.Ordinal);
    }

    [Fact]
    public void Adad_UsNumberSellerWithoutMailingAddress_Allowed()
    {
        Assert.True((GateCase.Default with { MailingAddress = null }).Decide().Allowed);
    }

    [Theory]
    [InlineData("express", true)]  // UTR Part IV: express consent, which may be oral
    [InlineData("written", true)]
    [InlineData("none", false)]
    public void Consent_MarketingToCanada_ExpressConsentEnough(string consent, bool allowed)
    {
        var decision = (GateCase.Canada with { Purpose = Purpose.Marketing, Marketing = GateTestData.Consent(consent) })
            .Decide();

        Assert.Equal(allowed, decision.Allowed);
        Assert.Contains("Part IV", decision.CheckOf("consent").Citation, StringComparison.Ordinal);
    }

    [Fact]
    public void Consent_MarketingToUsWithExpressOnly_StillInsufficient()
    {
        var decision = (GateCase.Default with { Purpose = Purpose.Marketing, Marketing = GateTestData.Express }).Decide();

        Assert.Equal([ReasonCodes.ConsentInsufficient], decision.Codes());
    }

    [Fact]
    public void InternalDnc_CanadianNumber_BlockedAtOnceWithCrtcCitation()
    {
        var decision = (GateCase.Canada with { InternalDncSince = GateCase.Canada.At.AddMinutes(-1) }).Decide();

        Assert.Equal([ReasonCodes.DncInternal], decision.Codes());
        Assert.Contains("CRTC", decision.CheckOf("dnc_internal").Citation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("416", "NY")]
    [InlineData("212", "CA-ON")]
    public void Location_CustomerStateInTheOtherCountry_Blocked(string npa, string state)
    {
        var decision = (GateCase.Default with { Npa = npa, CustomerState = state, MailingAddress = "x" }).Decide();

        Assert.False(decision.Allowed);
        Assert.Contains(ReasonCodes.UnknownLocation, decision.Codes());
    }

    [Fact]
    public void Location_CustomerProvinceOfTheSameCountry_AddsItsZones()
    {
        var decision = (GateCase.Canada with { CustomerState = "CA-BC", At = GateTestData.Utc("2026-07-15T15:30:00Z") })
            .Decide();

        // 11:30 in Toronto but 08:30 in Vancouver, which the customer's province adds.
        Assert.False(decision.Allowed);
        Assert.Equal([ReasonCodes.OutsideCallingHours], decision.Codes());
    }

    [Fact]
    public void NextAllowedAt_CanadianSaturdayMorning_TenOClockLocal()
    {
        var decision = (GateCase.Canada with { At = GateTestData.Local("America/Toronto", "2026-07-18", "08:00") }).Decide();

        Assert.Equal(GateTestData.Local("America/Toronto", "2026-07-18", "10:00"), decision.NextAllowedAt);
    }

    [Fact]
    public void CallingHours_RuleBookWithoutCanadianWindow_Blocked()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(GateTestData.Rules.Content)!;
        var hours = json["callingHours"]!.AsArray();
        foreach (var entry in hours.Where(h => (string?)h!["jurisdiction"] == "CA").ToList()) hours.Remove(entry);
        var gate = new Gate(GateTestData.Settings() with { Rules = RuleBook.Parse(json.ToJsonString()) });

        var decision = (GateCase.Canada with { Gate = gate }).Decide();

        Assert.False(decision.Allowed);
        Assert.Contains("no Canadian calling window", decision.Reasons[0].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FL", "US-FL,US")]
    [InlineData("CA", "US-CA,US")] // California, not Canada
    [InlineData("CA-ON", "CA-ON,CA")]
    [InlineData("CA-NS;CA-PE", "CA-NS,CA-PE,CA")]
    public void JurisdictionsOf_State_CountryAware(string states, string expected)
    {
        Assert.Equal(expected.Split(','), RuleBook.JurisdictionsOf(states.Split(';')));
    }
}
