using VoiceProxy.Compliance;
using VoiceProxy.Consent;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Tests.Compliance;

/// <summary>Shared data for the gate unit tests: the real rule data (state-rules.json, npa.csv) and sane defaults.</summary>
internal static class GateTestData
{
    public const string Seller = "acme";
    public const string CallerId = "+14155550100";

    public static readonly NpaTable Npa = NpaTable.LoadEmbedded();
    public static readonly RuleBook Rules = RuleBook.LoadEmbedded();

    /// <summary>The production defaults (VoiceProxyOptions): registry 31 days, 3 marketing calls / 24 h, 5 transactional / 24
    /// h.</summary>
    public static GateSettings Settings(int registryMaxAgeDays = 31, int marketingPer24Hours = 3, int transactionalMaxCalls = 5,
        int transactionalWindowHours = 24) =>
        new(registryMaxAgeDays, marketingPer24Hours, transactionalMaxCalls, TimeSpan.FromHours(transactionalWindowHours), Rules);

    public static readonly Gate Gate = new(Settings());

    /// <summary>The real rule book without its rules on automatic dialing-announcing devices, which block every call (TX)
    /// or every marketing call (KY, MS, WA) outright: for the tests of the time rules in those states.</summary>
    public static readonly Gate TimeRulesGate = new(Settings() with { Rules = RuleBook.Parse(WithoutAdad(Rules.Content)) });

    private static string WithoutAdad(string content)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(content)!;
        json["adadRules"] = new System.Text.Json.Nodes.JsonArray();
        return json.ToJsonString();
    }

    public static readonly ConsentStatus Express = new(ConsentState.Granted, ConsentKinds.Express,
        new DateTimeOffset(2026, 1, 2, 10, 0, 0, TimeSpan.Zero));
    public static readonly ConsentStatus Written = new(ConsentState.Granted, ConsentKinds.ExpressWritten,
        new DateTimeOffset(2026, 1, 2, 10, 0, 0, TimeSpan.Zero));
    public static readonly ConsentStatus Revoked = new(ConsentState.Revoked, null,
        new DateTimeOffset(2026, 2, 3, 10, 0, 0, TimeSpan.Zero));

    /// <summary>"none", "express", "written" or "revoked".</summary>
    public static ConsentStatus Consent(string name) => name switch
    {
        "none" => ConsentStatus.None,
        "express" => Express,
        "written" => Written,
        "revoked" => Revoked,
        _ => throw new ArgumentException($"unknown consent '{name}'", nameof(name)),
    };

    public static TimeZoneInfo Zone(string id) => TimeZoneInfo.FindSystemTimeZoneById(id);

    /// <summary>The instant at which the wall clock in <paramref name="zone"/> shows the given date and time (yyyy-MM-dd,
    /// HH:mm).</summary>
    public static DateTimeOffset Local(string zone, string date, string time)
    {
        var local = DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture)
            .ToDateTime(TimeOnly.Parse(time, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Unspecified);
        var tz = Zone(zone);
        var utc = TimeZoneInfo.ConvertTimeToUtc(local, tz);
        return new DateTimeOffset(utc).ToOffset(tz.GetUtcOffset(utc));
    }

    public static DateTimeOffset Utc(string iso) =>
        DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal);

    /// <summary>The candidate location exactly as production builds it (FactGatherer.Locate: area code + customer state/zone).
    /// Locate only reads the NPA table, so the other dependencies are not needed.</summary>
    public static Location? Locate(string to, string? customerState = null, string? customerZone = null) =>
        new FactGatherer(null!, null!, Npa, null!, null!, null!, null!, null!)
            .Locate(to, new CustomerLocation(customerState, customerZone));

    public static IReadOnlyList<Check> ChecksOf(this Decision d, string rule) => d.Checks.Where(c => c.Rule == rule).ToList();

    /// <summary>The single check of a rule that yields one check.</summary>
    public static Check CheckOf(this Decision d, string rule) => Assert.Single(d.Checks, c => c.Rule == rule);

    public static string[] Codes(this Decision d) => d.Reasons.Select(r => r.Code).ToArray();

    /// <summary>The rules whose block lifts by waiting (IRule.DependsOnTime).</summary>
    public static readonly string[] TimeRules = ["calling_hours", "state_calling_hours", "restricted_day", "frequency_cap"];
}

/// <summary>One call to decide. Defaults pass every rule: transactional call from the seller's own number to a 415 (CA, Pacific)
/// number, express transactional and express written marketing consent, not on any list, national registry copy one day old,
/// no recent calls, Wednesday 2026-07-15 12:00 PDT (UTC-7) = 19:00Z. Each test changes one thing with <c>with</c>.</summary>
internal sealed record GateCase
{
    public Purpose Purpose { get; init; } = Purpose.Transactional;
    public string Npa { get; init; } = "415";
    public string? CustomerState { get; init; }
    public string? CustomerZone { get; init; }
    public string From { get; init; } = GateTestData.CallerId;
    public ConsentStatus Transactional { get; init; } = GateTestData.Express;
    public ConsentStatus Marketing { get; init; } = GateTestData.Written;
    public DateTimeOffset? InternalDncSince { get; init; }
    /// <summary>Null: the national list, not listed, copy of the day before <see cref="At"/> (UTC).</summary>
    public IReadOnlyList<RegistryFact>? Registries { get; init; }
    public IReadOnlyList<DateTimeOffset> RecentCalls { get; init; } = [];
    public IReadOnlyList<string> CallerIds { get; init; } = [GateTestData.CallerId];
    /// <summary>Dates restricted at run time (POST /v1/rules/restricted-dates).</summary>
    public IReadOnlyList<RestrictedDateFact> RestrictedDates { get; init; } = [];
    public bool WrittenConsentExemptsRegistry { get; init; } = true;
    public bool TollFreeOptOutLine { get; init; } = true;
    /// <summary>The seller's mailing address (what a call to Canada must give); none by default.</summary>
    public string? MailingAddress { get; init; }
    /// <summary>Replaces the area code's candidate zones (its states kept): for the tests of one zone at a time.</summary>
    public IReadOnlyList<string>? Zones { get; init; }
    /// <summary>Null: Lookup not consulted (its checks not applicable).</summary>
    public LookupFacts? Lookup { get; init; }
    public DateTimeOffset At { get; init; } = new(2026, 7, 15, 19, 0, 0, TimeSpan.Zero);
    public Gate Gate { get; init; } = GateTestData.Gate;

    public static GateCase Default { get; } = new();

    /// <summary>The defaults, decided without the ADAD rules (<see cref="GateTestData.TimeRulesGate"/>).</summary>
    public static GateCase TimeRules { get; } = new() { Gate = GateTestData.TimeRulesGate };

    /// <summary>The defaults for a Toronto number (416, America/Toronto): the seller has a mailing address; the National DNCL
    /// copy (national:CA) is a day old and does not list it. Wednesday 2026-07-15 15:00 EDT = 19:00Z.</summary>
    public static GateCase Canada { get; } = new() { Npa = "416", MailingAddress = "1 King St W, Toronto ON M5H 1A1" };

    public string To => $"+1{Npa}5550123";

    public DateOnly Today => DateOnly.FromDateTime(At.UtcDateTime);

    public CallIntent Intent => new(GateTestData.Seller, To, Purpose, From);

    public CallFacts Facts => new(
        Transactional,
        Marketing,
        InternalDncSince,
        Registries ?? [new RegistryFact(RegistryLists.NationalOf(Location?.Country ?? "US"), false, Today.AddDays(-1))],
        Location,
        RecentCalls,
        new SellerPolicy(CallerIds, WrittenConsentExemptsRegistry, TollFreeOptOutLine, MailingAddress),
        RestrictedDates,
        Lookup);

    public Location? Location => GateTestData.Locate(To, CustomerState, CustomerZone) is { } l && Zones is { } zones
        ? l with { Zones = zones.Select(GateTestData.Zone).ToList() }
        : GateTestData.Locate(To, CustomerState, CustomerZone);

    public Decision Decide() => Gate.Decide(Intent, Facts, At);

    /// <summary>The same facts decided at another instant (as a retry at nextAllowedAt would be).</summary>
    public Decision DecideAt(DateTimeOffset at) => Gate.Decide(Intent, Facts, at);
}
