using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using VoiceProxy.Consent;

namespace VoiceProxy.Compliance;

/// <summary>What every entry of the rule book carries: where it applies, to which calls, when it is in force and its
/// source.</summary>
public abstract record RuleEntry
{
    /// <summary>ISO 3166-2 subdivision (<c>US-FL</c>) or a country (<c>US</c>) for the whole country.</summary>
    public required string Jurisdiction { get; init; }
    /// <summary><c>any</c> or <c>marketing</c>.</summary>
    public string AppliesTo { get; init; } = "any";
    /// <summary>First local date in force.</summary>
    public required DateOnly EffectiveFrom { get; init; }
    /// <summary>Last local date in force; null while it is.</summary>
    public DateOnly? EffectiveTo { get; init; }
    public required string Citation { get; init; }
    public string? Note { get; init; }
    /// <summary>The reading is uncertain; the data takes the stricter one (see <see cref="Note"/>).</summary>
    public bool Uncertain { get; init; }

    public bool InForceOn(DateOnly localDate) => localDate >= EffectiveFrom && (EffectiveTo is null || localDate <= EffectiveTo);
    public bool AppliesToPurpose(Purpose purpose) =>
        AppliesTo == "any" || (AppliesTo == "marketing" && purpose == Purpose.Marketing);
}

public sealed record HoursWindow(TimeOnly Start, TimeOnly End)
{
    public bool Contains(TimeOnly t) => t >= Start && t < End;
    public override string ToString() => $"{Start:HH\\:mm}-{End:HH\\:mm}";
}

/// <summary>A calling window (end exclusive), with other hours on some weekdays. A weekday mapped to no window
/// (<c>"Sunday": null</c>) has no calling hours at all.</summary>
public sealed record WindowRule : RuleEntry
{
    public required TimeOnly Start { get; init; }
    public required TimeOnly End { get; init; }
    public Dictionary<DayOfWeek, HoursWindow?>? Days { get; init; }
    /// <summary>A fixed zone the statute names (<c>Etc/GMT+6</c> for "Central Standard Time") in which the window is read
    /// instead of the called party's local time; null for local time.</summary>
    public string? TimeZone { get; init; }

    /// <summary>The window on that weekday; null when no call is allowed on it.</summary>
    public HoursWindow? WindowOn(DayOfWeek day) =>
        Days is not null && Days.TryGetValue(day, out var w) ? w : new HoursWindow(Start, End);

    public override string ToString() => $"{Jurisdiction} {new HoursWindow(Start, End)}"
        + (TimeZone is null ? "" : $" {TimeZone}")
        + (Days is null ? "" : " (" + string.Join(", ", Days.Select(d => $"{d.Key} {d.Value?.ToString() ?? "none"}")) + ")");
}

/// <summary>Weekdays on which calls are banned.</summary>
public sealed record DayBanRule : RuleEntry
{
    public required DayOfWeek[] Days { get; init; }
}

/// <summary>A ban on the jurisdiction's legal holidays, with the list of those holidays (and the days they are observed on)
/// for the dates it covers. A date outside the covered range is unknown, so it blocks (fail closed).</summary>
public sealed record HolidayBanRule : RuleEntry
{
    public required DateOnly CoveredFrom { get; init; }
    public required DateOnly CoveredThrough { get; init; }
    public required DateOnly[] Dates { get; init; }
    public bool Covers(DateOnly date) => date >= CoveredFrom && date <= CoveredThrough;
}

/// <summary>At most <see cref="MaxCalls"/> calls to one number in <see cref="WindowHours"/> hours.</summary>
public sealed record CapRule : RuleEntry
{
    public required int MaxCalls { get; init; }
    public required int WindowHours { get; init; }
}

/// <summary>How far a consumer's revocation reaches: <c>all</c> (every purpose of that caller) from its effective date.</summary>
public sealed record RevocationScopeRule : RuleEntry
{
    public required string Scope { get; init; }
}

/// <summary>A state's rule on automatic dialing-announcing devices: what it requires of the message, and whether the
/// compliance frame meets it. Where it does not, calls into the state are blocked (rule <c>state_adad</c>).</summary>
public sealed record AdadRule : RuleEntry
{
    public required string Requires { get; init; }
    public required bool FrameSatisfies { get; init; }
}

/// <summary>The rule book as stored (Compliance/Data/state-rules.json).</summary>
public sealed record RuleBookData(
    string About,
    string Version,
    WindowRule[] CallingHours,
    DayBanRule[] DayBans,
    HolidayBanRule[] HolidayBans,
    CapRule[] Caps,
    RevocationScopeRule[] RevocationScope,
    AdadRule[] AdadRules,
    string[] RegistryStates)
{
    [JsonIgnore]
    public IEnumerable<RuleEntry> Entries =>
        CallingHours.Concat<RuleEntry>(DayBans).Concat(HolidayBans).Concat(Caps).Concat(RevocationScope).Concat(AdadRules);
}

/// <summary>The versioned rules with their effective dates. <see cref="Version"/> names this content (its label and the
/// first 12 hex digits of the SHA-256 of the file); <see cref="InForceAt"/> gives the entries in force at an instant.</summary>
public sealed class RuleBook
{
    /// <summary>The file's JSON shape (weekdays by name), also how <c>GET /v1/rules</c> shows the entries; through the
    /// source-generated <see cref="RuleBookJson"/>, so start-up reflects over none of these types.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        TypeInfoResolver = RuleBookJson.Default,
    };

    /// <summary>An instant is on a different local date in different places: an entry counts as in force at an instant when
    /// it is in force on the instant's date anywhere from UTC-12 to UTC+14. The rules then apply each entry by the local
    /// date in each candidate zone of the call.</summary>
    private static readonly TimeSpan Westmost = TimeSpan.FromHours(-12), Eastmost = TimeSpan.FromHours(14);

    private RuleBook(RuleBookData data, string content, string sha256)
    {
        Data = data;
        Content = content;
        Sha256 = sha256;
    }

    public RuleBookData Data { get; }
    /// <summary>The file as read (UTF-8 text), which <see cref="Sha256"/> is the hash of.</summary>
    public string Content { get; }
    public string Label => Data.Version;
    /// <summary>SHA-256 of the rule book's file, lower-case hex.</summary>
    public string Sha256 { get; }
    /// <summary>"label@first 12 hex digits of the content hash", as each decision records it.</summary>
    public string Version => $"{Label}@{Sha256[..12]}";

    /// <summary>The entries in force at the instant somewhere (see <see cref="Westmost"/>), as a rule book of the same
    /// version.</summary>
    public RuleBookData InForceAt(DateTimeOffset instant)
    {
        var (first, last) = DatesAt(instant);
        bool Live(RuleEntry e) => e.InForceOn(first) || e.InForceOn(last);
        return Data with
        {
            CallingHours = Data.CallingHours.Where(Live).ToArray(),
            DayBans = Data.DayBans.Where(Live).ToArray(),
            HolidayBans = Data.HolidayBans.Where(Live).ToArray(),
            Caps = Data.Caps.Where(Live).ToArray(),
            RevocationScope = Data.RevocationScope.Where(Live).ToArray(),
            AdadRules = Data.AdadRules.Where(Live).ToArray(),
        };
    }

    /// <summary>The local dates an instant falls on somewhere on Earth (one or two).</summary>
    public static (DateOnly First, DateOnly Last) DatesAt(DateTimeOffset instant) => (
        DateOnly.FromDateTime(instant.ToOffset(Westmost).DateTime), DateOnly.FromDateTime(instant.ToOffset(Eastmost).DateTime));

    /// <summary>The jurisdictions a set of candidate states puts a call in: each state (<c>US-FL</c>, <c>CA-ON</c>) and its
    /// country (<c>US</c>, <c>CA</c>). A Canadian number is never in <c>US</c>, nor a US number in <c>CA</c>.</summary>
    public static IReadOnlyList<string> JurisdictionsOf(IEnumerable<string> states)
    {
        var list = states.ToList();
        return list.Select(JurisdictionOf).Concat(list.Select(Countries.Of)).Distinct().ToList();
    }

    /// <summary>The jurisdiction of a state code as the area-code table and the API give it (FL to US-FL; a Canadian
    /// province is already one: CA-ON).</summary>
    public static string JurisdictionOf(string state) => Countries.Of(state) == Countries.Us ? $"US-{state}" : state;

    public static RuleBook LoadEmbedded()
    {
        using var stream = Assembly.GetExecutingAssembly()
            .GetManifestResourceStream("VoiceProxy.Compliance.Data.state-rules.json")
            ?? throw new InvalidOperationException("Embedded state-rules.json is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse(reader.ReadToEnd());
    }

    /// <summary>Reads and checks a rule book; bad content throws <see cref="InvalidDataException"/>, naming each bad entry.
    /// </summary>
    public static RuleBook Parse(string content)
    {
        RuleBookData data;
        try
        {
            data = JsonSerializer.Deserialize<RuleBookData>(content, Json)
                ?? throw new InvalidDataException("The rule book is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The rule book is not valid JSON of the expected shape: {e.Message}", e);
        }
        var problems = Problems(data).ToList();
        if (problems.Count > 0)
            throw new InvalidDataException("The rule book is invalid: " + string.Join("; ", problems));
        return new RuleBook(data, content, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content))));
    }

    private static IEnumerable<string> Problems(RuleBookData data)
    {
        if (string.IsNullOrWhiteSpace(data.Version)) yield return "version is required";
        foreach (var e in data.Entries)
        {
            var name = $"{e.GetType().Name} {e.Jurisdiction} from {e.EffectiveFrom:yyyy-MM-dd}";
            if (!IsJurisdiction(e.Jurisdiction)) yield return $"{name}: jurisdiction must look like US, US-FL, CA or CA-ON";
            if (e.AppliesTo is not ("any" or "marketing")) yield return $"{name}: appliesTo must be any or marketing";
            if (e.EffectiveTo < e.EffectiveFrom) yield return $"{name}: effectiveTo is before effectiveFrom";
            if (string.IsNullOrWhiteSpace(e.Citation)) yield return $"{name}: citation is required";
            if (e.Uncertain && string.IsNullOrWhiteSpace(e.Note)) yield return $"{name}: an uncertain entry needs a note";
            var problem = e switch
            {
                WindowRule w when w.Start >= w.End || w.Days?.Values.Any(d => d is not null && d.Start >= d.End) == true =>
                    "a window must start before it ends",
                WindowRule { TimeZone: { } zone } when !TimeZones.IsValid(zone) => $"unknown time zone {zone}",
                DayBanRule { Days.Length: 0 } => "days is empty",
                HolidayBanRule h when h.CoveredFrom > h.CoveredThrough => "coveredFrom is after coveredThrough",
                HolidayBanRule h when h.Dates.Any(d => !h.Covers(d)) => "a date lies outside coveredFrom-coveredThrough",
                CapRule c when c.MaxCalls < 1 || c.WindowHours < 1 => "maxCalls and windowHours must be positive",
                RevocationScopeRule { Scope: not "all" } => "scope must be all",
                _ => null,
            };
            if (problem is not null) yield return $"{name}: {problem}";
        }
    }

    private static bool IsJurisdiction(string j) =>
        j.Length is 2 or 5 && j[..2].All(char.IsAsciiLetterUpper)
        && (j.Length == 2 || (j[2] == '-' && j[3..].All(char.IsAsciiLetterUpper)));
}

[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(RuleBookData))]
internal sealed partial class RuleBookJson : JsonSerializerContext;
