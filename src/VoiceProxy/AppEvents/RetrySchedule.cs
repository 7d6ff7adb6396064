namespace VoiceProxy.AppEvents;

/// <summary>When a delivery that was not answered with a 2xx in time is tried again: about 5 s, 5 min, 30 min, 2 h, 5 h,
/// 10 h and 10 h after the attempts before (eight attempts over about 28 hours), each stretched or shortened by up to 10% at
/// random so that receivers coming back are not met by every sender at once; then it has failed.</summary>
internal static class RetrySchedule
{
    public static readonly TimeSpan[] Delays =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    public const double Jitter = 0.1;

    /// <summary>The wait after the <paramref name="attempts"/>-th failed attempt, or null when it was the last one.
    /// <paramref name="random"/> is in [0, 1): 0.5 gives the schedule's own delay.</summary>
    public static TimeSpan? After(int attempts, double random) =>
        attempts >= 1 && attempts <= Delays.Length ? Delays[attempts - 1] * (1 + Jitter * (2 * random - 1)) : null;
}
