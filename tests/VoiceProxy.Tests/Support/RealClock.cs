using VoiceProxy.Compliance;

namespace VoiceProxy.Tests.Support;

/// <summary>Tests that run the real program as a process live on the real clock. They call numbers in an area code that is
/// inside calling hours at this moment. In the hour of the day when no US area code is (about 11:00-12:00 UTC), they shift
/// the program's clock by a few hours instead (VoiceProxy:Testing:ClockOffsetHours, honoured only in the Testing
/// environment).</summary>
public static class RealClock
{
    private static readonly string[] Candidates = ["212", "312", "303", "206", "907", "808", "671", "684", "787"];

    public static readonly (string Npa, int OffsetHours) Chosen = Choose();

    private static (string, int) Choose()
    {
        var table = NpaTable.LoadEmbedded();
        for (var offset = 0; offset < 24; offset++)
            foreach (var npa in Candidates)
            {
                var at = DateTimeOffset.UtcNow.AddHours(offset);
                if (table.Find(npa)!.TimeZones.Select(TimeZoneInfo.FindSystemTimeZoneById)
                    .All(z => TimeZoneInfo.ConvertTime(at, z).TimeOfDay is { TotalHours: >= 9.5 and < 19.5 }))
                    return (npa, offset);
            }
        throw new InvalidOperationException("No candidate area code is inside calling hours at any offset.");
    }

    /// <summary>Settings that give the program the chosen clock.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("ASPNETCORE_ENVIRONMENT", "Testing"),
        new("VoiceProxy:Testing:ClockOffsetHours",
            Chosen.OffsetHours.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    /// <summary>Now on the program's clock.</summary>
    public static DateTimeOffset ProgramNow => DateTimeOffset.UtcNow.AddHours(Chosen.OffsetHours);
}
