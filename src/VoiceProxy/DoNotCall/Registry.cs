using VoiceProxy.Compliance;

namespace VoiceProxy.DoNotCall;

public static class RegistryLists
{
    public const string National = "national";
    public static string State(string state) => "state:" + state;

    /// <summary>True for <c>national</c> or <c>state:XX</c>.</summary>
    public static bool IsValid(string list) =>
        list == National || (list.Length == 8 && list.StartsWith("state:", StringComparison.Ordinal) && list[6..].All(char.IsAsciiLetterUpper));

    public static string FileName(string list) => list.Replace(':', '-') + ".snapshot";
}

public sealed record RegistryListStatus(string Name, DateOnly AsOf, long Count, int AgeDays, bool Stale);

/// <summary>The national and state Do Not Call registries, as the latest imported snapshots.</summary>
public interface IDncRegistry
{
    IReadOnlyCollection<string> Lists { get; }
    /// <summary>Membership of a +1 number in one list; AsOf is null when the list has no snapshot.</summary>
    RegistryFact Check(string list, string e164);
    IReadOnlyList<RegistryListStatus> Status(DateOnly today, int maxAgeDays);
}
