using System.Globalization;
using System.Text.RegularExpressions;

namespace VoiceProxy.Benchmarks;

/// <summary>
/// Counts the server's fsync and fdatasync calls by running it under strace (Linux; <c>apt-get install strace</c>). Only
/// those two system calls stop the server (seccomp-bpf filter), so the overhead is one round trip to strace per fsync,
/// small next to the fsync itself. Each call is written with its wall-clock time, file and duration; a cell's figure is
/// the calls that started inside its measured window, divided by its requests.
/// </summary>
internal sealed partial class FsyncTrace(string output)
{
    public string Output => output;

    /// <summary>strace's arguments to put before the server's command line.</summary>
    public string[] Prefix =>
    [
        "-f", "--seccomp-bpf", "-qq", "-e", "trace=fsync,fdatasync", "-e", "signal=none",
        "-ttt", "-T", "-y", "-o", output, "--",
    ];

    public static bool Available() =>
        OperatingSystem.IsLinux() && (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, "strace")));

    public sealed record Call(double At, string File, double Seconds);

    public sealed record Window(double Start, double End);

    public static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>Every fsync and fdatasync in the output (read after strace has exited, so nothing is left in its
    /// buffer).</summary>
    public List<Call> Read() =>
        File.Exists(output)
            ? File.ReadLines(output).Select(l => Line().Match(l)).Where(m => m.Success).Select(m => new Call(
                double.Parse(m.Groups["at"].Value, CultureInfo.InvariantCulture), m.Groups["file"].Value,
                double.Parse(m.Groups["took"].Value, CultureInfo.InvariantCulture))).ToList()
            : [];

    /// <summary>"fsyncs per request": the count in the window over the requests, with the time each took (p50, p99) and
    /// which files they were (the write-ahead log is a commit; the database file is a checkpoint; the folder, SQLite making
    /// a new log file).</summary>
    public static (double PerRequest, double P50Ms, double P99Ms, string Files) Summarize(
        List<Call> calls, Window window, long requests)
    {
        var inside = calls.Where(c => c.At >= window.Start && c.At < window.End).ToList();
        var took = inside.Select(c => c.Seconds * 1000).Order().ToArray();
        double P(double p) => took.Length == 0 ? double.NaN : took[Math.Min(took.Length - 1, (int)(p * took.Length))];
        var files = string.Join(", ", inside.GroupBy(c => Kind(c.File)).OrderByDescending(g => g.Count())
            .Select(g => $"{g.Count()} {g.Key}"));
        return (requests == 0 ? double.NaN : inside.Count / (double)requests, P(0.5), P(0.99),
            files.Length == 0 ? "none" : files);
    }

    private static string Kind(string file) =>
        file.EndsWith("-wal", StringComparison.Ordinal) ? "WAL" : file.EndsWith(".db", StringComparison.Ordinal) ? "database"
        : file.EndsWith("-journal", StringComparison.Ordinal) ? "journal"
        : Directory.Exists(file) ? "directory (a new WAL file)" : "other";

    [GeneratedRegex(@"^\d+\s+(?<at>\d+\.\d+)\s+f(?:data)?sync\(\d+(?:<(?<file>[^>]*)>)?\)\s+=\s+-?\d+.*<(?<took>\d+\.\d+)>\s*$")]
    private static partial Regex Line();
}
