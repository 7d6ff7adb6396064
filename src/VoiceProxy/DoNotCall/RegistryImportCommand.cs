using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.DoNotCall;

/// <summary><c>registry import --list national|national:CA|state:XX (--full|--add|--remove) FILE... --as-of YYYY-MM-DD</c>:
/// a progress bar on a terminal, a plain line every two seconds otherwise (CI logs, cron mail).</summary>
internal static class RegistryImportCommand
{
    public const string Usage =
        "usage: registry import --list national|national:CA|state:XX (--full|--add|--remove) FILE... --as-of YYYY-MM-DD";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        string? list = null, asOf = null;
        ImportMode? mode = null;
        var files = new List<string>();
        var settings = new Dictionary<string, string?>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--list": list = Next(args, ref i); break;
                case "--as-of": asOf = Next(args, ref i); break;
                case "--full" or "--add" or "--remove":
                    if (mode is not null) return Fail(error, "give one of --full, --add, --remove");
                    mode = Enum.Parse<ImportMode>(args[i][2..], ignoreCase: true);
                    break;
                case var a when a.StartsWith("--", StringComparison.Ordinal) && a.Contains(':'):
                    var kv = a[2..].Split('=', 2);
                    settings[kv[0]] = kv.Length == 2 ? kv[1] : Next(args, ref i);
                    break;
                case var a when a.StartsWith("--", StringComparison.Ordinal): return Fail(error, $"unknown option {a}");
                default: files.Add(args[i]); break;
            }
        }
        if (list is null || !RegistryLists.IsValid(list)) return Fail(error, "--list must be national, national:CA or state:XX");
        if (mode is null) return Fail(error, "give --full, --add or --remove with the files");
        if (files.Count == 0) return Fail(error, "name at least one file");
        if (!DateOnly.TryParseExact(asOf, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return Fail(error, "--as-of must be a date, YYYY-MM-DD");
        if (date > DateOnly.FromDateTime(DateTime.UtcNow))
            return Fail(error, "--as-of may not be in the future: it is the date the list was downloaded");
        if (files.FirstOrDefault(f => !File.Exists(f)) is { } missing) return Fail(error, $"no such file: {missing}");

        var folder = Configuration(settings)["VoiceProxy:Registry:Path"] ?? new RegistryOptions().Path;
        var progress = new LatestProgress();
        var started = Stopwatch.GetTimestamp();
        var import = Task.Run(
            () => RegistryImporter.Import(folder, list, mode.Value, files, date, TimeProvider.System, progress));
        var terminal = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
        if (terminal) await ShowBarAsync(import, progress);
        else await ShowLinesAsync(import, progress, error);
        var result = await import;

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await output.WriteLineAsync(
            $"Imported {RegistrySnapshot.Describe(result.Header)} into {Path.GetFullPath(folder)} in {seconds:0.0} s; " +
            $"{result.LinesRead:N0} lines read, {result.BadLines:N0} bad" +
            (result.BadLines > 0 ? $" (first at lines {string.Join(", ", result.FirstBadLines)})" : "") + ".");
        return 0;
    }

    private static async Task ShowBarAsync(Task import, LatestProgress progress)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(),
                new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var reading = context.AddTask("reading", maxValue: 1);
                var writing = context.AddTask("writing snapshot", autoStart: false, maxValue: 1);
                var rate = new Rate();
                while (true)
                {
                    var done = import.IsCompleted;
                    var p = progress.Latest;
                    var task = p.Phase == ImportProgress.Writing ? writing : reading;
                    if (p.Phase == ImportProgress.Writing) reading.Value = reading.MaxValue;
                    if (!task.IsStarted) task.StartTask();
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    reading.Description = $"reading: {p.Numbers:N0} numbers, {rate.PerSecond(p.Numbers):N0}/s";
                    if (done) break;
                    await Task.WhenAny(import, Task.Delay(200));
                }
                if (import.IsCompletedSuccessfully)
                {
                    reading.Value = reading.MaxValue;
                    writing.Value = writing.MaxValue;
                }
            });
    }

    private static async Task ShowLinesAsync(Task import, LatestProgress progress, TextWriter error)
    {
        var rate = new Rate();
        while (await Task.WhenAny(import, Task.Delay(TimeSpan.FromSeconds(2))) != import)
        {
            var p = progress.Latest;
            var percent = p.Total == 0 ? 0 : 100.0 * p.Done / p.Total;
            var perSecond = rate.PerSecond(p.Numbers);
            var left = p.Phase == ImportProgress.Reading && p.Done > 0
                ? $", about {rate.Elapsed.TotalSeconds * (p.Total - p.Done) / p.Done:0} s left"
                : "";
            await error.WriteLineAsync($"{p.Phase} {percent,5:0.0}%: {p.Numbers:N0} numbers, {perSecond:N0}/s{left}");
        }
    }

    /// <summary>Keeps only the newest report: the display polls it, so worker threads never wait on the console.</summary>
    private sealed class LatestProgress : IProgress<ImportProgress>
    {
        private readonly Lock _gate = new();
        private ImportProgress _latest = new(ImportProgress.Reading, 0, 0, 0);

        public ImportProgress Latest { get { lock (_gate) return _latest; } }

        public void Report(ImportProgress value)
        {
            lock (_gate)
            {
                // Reports from parallel readers can arrive out of order; never move backwards.
                if (value.Phase == _latest.Phase && value.Done < _latest.Done) return;
                _latest = value;
            }
        }
    }

    private sealed class Rate
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_started);
        public double PerSecond(long numbers) => Elapsed.TotalSeconds > 0 ? numbers / Elapsed.TotalSeconds : 0;
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings)
    {
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")
            ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")
            ?? "Production";
        return new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(settings)
            .Build();
    }

    private static string Next(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value");

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"error: {message}");
        return 2;
    }
}
