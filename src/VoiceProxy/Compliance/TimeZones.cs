using System.Collections.Concurrent;

namespace VoiceProxy.Compliance;

/// <summary>Time zones by IANA id, found once.</summary>
internal static class TimeZones
{
    private static readonly ConcurrentDictionary<string, TimeZoneInfo> Cache = new();
    public static TimeZoneInfo Find(string id) => Cache.GetOrAdd(id, TimeZoneInfo.FindSystemTimeZoneById);
    public static bool IsValid(string? id) =>
        id is not null && (Cache.ContainsKey(id) || TimeZoneInfo.TryFindSystemTimeZoneById(id, out _));
}
