using System.Globalization;
using VoiceProxy.Compliance;

namespace VoiceProxy.Benchmarks;

/// <summary>
/// Which seeded area codes are inside calling hours for the whole run, and on which clock the server runs, so that the
/// end-to-end and scale-out benchmarks run at any hour. The area codes span the clock: the mainland's four zones, Puerto
/// Rico and the Virgin Islands (UTC-4), Alaska, Hawaii (UTC-10), Guam and the Northern Mariana Islands (UTC+10).
/// The federal window is 08:00-21:00 local, so some of them are inside it at every hour except 11:00-12:00 UTC (Guam's
/// 21:00 to Puerto Rico's 08:00), when no US area code is. The server runs in the Production environment on the real clock
/// whenever an area code is inside hours now and still will be after the run (<see cref="MarginMinutes"/>); only
/// otherwise, or when asked (<c>--clock-offset-hours H</c>), does it run in the Testing environment with
/// VoiceProxy:Testing:ClockOffsetHours, the one setting that environment changes. The automatic offset moves the
/// server's clock to 18:00 UTC of the same day (13:00 in New York, 08:00 in Honolulu). Times are from the service's own
/// area-code table; the server's dry run has the last word (a state's window can be stricter).
/// </summary>
internal sealed record CallingClock(string Environment, double? OffsetHours, IReadOnlyList<int> Areas, DateTimeOffset ServerNow)
{
    /// <summary>Area codes the benchmarks seed; the first twenty are the mainland set of the earlier runs.</summary>
    public static readonly int[] AllAreas =
    [
        212, 415, 312, 206, 303, 602, 305, 617, 214, 404, 215, 313, 503, 702, 801, 615, 704, 612, 314, 504,
        787, 340, 907, 808, 671, 670,
    ];

    /// <summary>The first of an area code's seeded numbers (the last seven digits): consented numbers from NXX 200, internal
    /// do-not-call numbers from NXX 300, so never the same number. The Northern Mariana Islands have no NXX 200 or 300 that
    /// the service's number check takes as valid, so theirs start at 233 and 284.</summary>
    public static int FirstLine(int area, bool dnc) => area == 670 ? (dnc ? 2_840_000 : 2_330_000) : dnc ? 3_000_000 : 2_000_000;

    /// <summary>An area code must stay inside hours this long after the choice: longer than any run.</summary>
    public const int MarginMinutes = 30;

    private static readonly TimeOnly Opens = new(8, 0);
    private static readonly TimeOnly Closes = new(21, 0);

    /// <summary>The server's command-line settings for this clock (none on the real clock).</summary>
    public string[] Args => OffsetHours is { } hours
        ? ["--VoiceProxy:Testing:ClockOffsetHours", hours.ToString("0.######", CultureInfo.InvariantCulture)]
        : [];

    public string Describe() => OffsetHours is { } hours
        ? $"server in the Testing environment, clock shifted by {hours:+0.###;-0.###} h to {ServerNow:yyyy-MM-dd HH:mm} UTC; " +
          $"area codes inside calling hours then: {string.Join(", ", Areas)}"
        : $"server in the Production environment on the real clock ({ServerNow:yyyy-MM-dd HH:mm} UTC); " +
          $"area codes inside calling hours for the next {MarginMinutes} min: {string.Join(", ", Areas)}";

    /// <summary>The real clock when any area code is inside hours for the whole margin; else a clock shifted to 18:00 UTC.
    /// <paramref name="forcedOffsetHours"/> always shifts (and so always runs in the Testing environment).</summary>
    public static CallingClock Choose(DateTimeOffset utcNow, double? forcedOffsetHours = null)
    {
        var npa = NpaTable.LoadEmbedded();
        if (forcedOffsetHours is { } forced)
            return Shifted(npa, utcNow, forced);
        var open = Open(npa, utcNow);
        if (open.Count > 0) return new CallingClock("Production", null, open, utcNow);
        var evening = new DateTimeOffset(utcNow.UtcDateTime.Date.AddHours(18), TimeSpan.Zero);
        return Shifted(npa, utcNow, (evening - utcNow).TotalHours);
    }

    private static CallingClock Shifted(NpaTable npa, DateTimeOffset utcNow, double hours)
    {
        var shifted = utcNow + TimeSpan.FromHours(hours);
        var open = Open(npa, shifted);
        if (open.Count == 0)
            throw new InvalidOperationException(
                $"No seeded area code is inside calling hours at {shifted:HH:mm} UTC (the server's clock" +
                $" with --clock-offset-hours {hours}); pick one that lands outside 10:30-12:00 UTC.");
        return new CallingClock("Testing", hours, open, shifted);
    }

    /// <summary>Area codes whose every zone is inside 08:00-21:00 local now and <see cref="MarginMinutes"/> from now.</summary>
    private static List<int> Open(NpaTable npa, DateTimeOffset at) =>
        AllAreas.Where(area => npa.Find(area.ToString(CultureInfo.InvariantCulture)) is { } entry && entry.TimeZones.All(zone =>
        {
            var tz = TimeZoneInfo.FindSystemTimeZoneById(zone);
            return Inside(TimeZoneInfo.ConvertTime(at, tz)) && Inside(TimeZoneInfo.ConvertTime(at.AddMinutes(MarginMinutes), tz));
        })).ToList();

    private static bool Inside(DateTimeOffset local)
    {
        var time = TimeOnly.FromDateTime(local.DateTime);
        return time >= Opens && time < Closes;
    }
}
