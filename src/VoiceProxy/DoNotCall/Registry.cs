namespace VoiceProxy.DoNotCall;

public static class RegistryLists
{
    public const string National = "national";
    /// <summary>Canada's National Do Not Call List (DNCL), kept by the CRTC's operator.</summary>
    public const string NationalCanada = "national:CA";
    public static string State(string state) => "state:" + state;

    /// <summary>The national list of a country (<c>US</c> or <c>CA</c>).</summary>
    public static string NationalOf(string country) => country == "CA" ? NationalCanada : National;

    /// <summary>True for <c>national</c>, <c>national:CA</c> or <c>state:XX</c>.</summary>
    public static bool IsValid(string list) =>
        list is National or NationalCanada
        || (list.Length == 8 && list.StartsWith("state:", StringComparison.Ordinal) && UsStates.Contains(list[6..]));

    /// <summary>The states, DC and the territories, as the area-code table names them.</summary>
    private static readonly HashSet<string> UsStates =
    [
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
        "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH",
        "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
        "PR", "VI", "GU", "AS", "MP",
    ];

    public static string FileName(string list) => list.Replace(':', '-') + ".snapshot";
}

/// <summary>Membership of the called number in one registry list. <see cref="AsOf"/> is null when no copy is loaded.</summary>
public sealed record RegistryFact(string List, bool Listed, DateOnly? AsOf);

public sealed record RegistryListStatus(string Name, DateOnly AsOf, long Count, int AgeDays, bool Stale);

/// <summary>The national and state Do Not Call registries, as the latest imported snapshots.</summary>
public interface IDncRegistry
{
    IReadOnlyCollection<string> Lists { get; }
    /// <summary>Membership of a +1 number in one list; AsOf is null when the list has no snapshot.</summary>
    RegistryFact Check(string list, string e164);
    IReadOnlyList<RegistryListStatus> Status(DateOnly today, int maxAgeDays);
}
