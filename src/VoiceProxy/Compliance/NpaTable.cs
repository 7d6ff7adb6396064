using System.Collections.Frozen;
using System.Reflection;

namespace VoiceProxy.Compliance;

/// <summary>An area code's states (<c>FL</c>) or Canadian provinces (<c>CA-ON</c>) and time zones; <see cref="Country"/> is
/// the country whose law governs a call to it (<c>US</c> or <c>CA</c>).</summary>
public sealed record NpaEntry(string Npa, IReadOnlyList<string> States, IReadOnlyList<string> TimeZones)
{
    public string Country => Countries.Of(States[0]);
}

/// <summary>The countries of the area-code table: a US state is a bare USPS code (<c>FL</c>, and <c>CA</c> is California);
/// a Canadian province is its ISO 3166-2 code (<c>CA-ON</c>), so the two can never be mistaken for each other.</summary>
public static class Countries
{
    public const string Us = "US";
    public const string Canada = "CA";

    /// <summary>The country of a state code as the table and the API give it: <c>CA-ON</c> to CA, <c>FL</c> to US.</summary>
    public static string Of(string state) => state.Length == 5 && state[2] == '-' ? state[..2] : Us;
}

/// <summary>The reviewed table of US and Canadian area codes (Compliance/Data/npa.csv): which states or provinces and time
/// zones each covers.</summary>
public sealed class NpaTable
{
    private readonly FrozenDictionary<string, NpaEntry> _entries;
    private readonly FrozenDictionary<string, string[]> _zonesByState;

    private NpaTable(IEnumerable<NpaEntry> entries)
    {
        _entries = entries.ToFrozenDictionary(e => e.Npa);
        _zonesByState = _entries.Values
            .SelectMany(e => e.States.Select(s => (State: s, e.TimeZones)))
            .GroupBy(x => x.State)
            .ToFrozenDictionary(
                g => g.Key,
                g => g.SelectMany(x => x.TimeZones).Distinct().Order(StringComparer.Ordinal).ToArray());
    }

    public int Count => _entries.Count;
    public IEnumerable<string> States => _zonesByState.Keys;

    public NpaEntry? Find(string npa) => _entries.GetValueOrDefault(npa);

    /// <summary>Every time zone of any area code of the state; empty for an unknown state.</summary>
    public IReadOnlyList<string> ZonesOf(string state) => _zonesByState.GetValueOrDefault(state) ?? [];

    public static NpaTable LoadEmbedded()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("VoiceProxy.Compliance.Data.npa.csv")
            ?? throw new InvalidOperationException("Embedded npa.csv is missing.");
        using var reader = new StreamReader(stream);
        return Parse(reader);
    }

    /// <summary>Parses rows of <c>npa,states,timeZones,note</c>; lines starting with # are comments.</summary>
    public static NpaTable Parse(TextReader reader)
    {
        var entries = new List<NpaEntry>();
        var lineNumber = 0;
        var sawHeader = false;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (!sawHeader) { sawHeader = true; continue; }
            var cells = line.Split(',', 4);
            if (cells.Length < 3 || cells[0].Length != 3 || !cells[0].All(char.IsAsciiDigit))
                throw new FormatException($"npa.csv line {lineNumber}: expected npa,states,timeZones,note.");
            foreach (var zone in cells[2].Split(';'))
                if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
                    throw new FormatException($"npa.csv line {lineNumber}: unknown time zone '{zone}'.");
            var states = cells[1].Split(';');
            if (states.Any(st => !IsState(st)) || states.Select(Countries.Of).Distinct().Count() != 1)
                throw new FormatException($"npa.csv line {lineNumber}: states must be USPS codes (FL) or Canadian " +
                    "provinces (CA-ON), all of one country.");
            if (entries.Any(e => e.Npa == cells[0]))
                throw new FormatException($"npa.csv line {lineNumber}: area code {cells[0]} is listed twice.");
            entries.Add(new NpaEntry(cells[0], states, cells[2].Split(';')));
        }
        return new NpaTable(entries);
    }

    private static bool IsState(string s) =>
        (s.Length == 2 && s.All(char.IsAsciiLetterUpper))
        || (s.Length == 5 && s.StartsWith("CA-", StringComparison.Ordinal) && s[3..].All(char.IsAsciiLetterUpper));
}
