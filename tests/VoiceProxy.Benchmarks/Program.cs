using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Benchmarks;

/// <summary>Commands: <c>generate</c> writes test data once; <c>run</c> measures the registry index against the SQLite
/// baseline in the same process and prints the README's table rows; <c>bdn</c> hands over to BenchmarkDotNet.</summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var options = Options(args.Skip(1));
        switch (args.FirstOrDefault())
        {
            case "generate": Generate(options); return 0;
            case "run": Run(options); return 0;
            case "e2e": new EndToEnd(options).RunAsync().GetAwaiter().GetResult(); return 0;
            // SQLite against one and two instances on PostgreSQL
            // scrub and replay at a million, against single checks
            case "bulk": new BulkBenchmark(options).RunAsync().GetAwaiter().GetResult(); return 0;
            case "scaleout": new ScaleOut(options).RunAsync().GetAwaiter().GetResult(); return 0;
            // placed calls with and without event subscriptions; the dispatcher's throughput
            case "events": new EventsBenchmark(options).RunAsync().GetAwaiter().GetResult(); return 0;
            case "bdn": BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]); return 0;
            default:
                Console.Error.WriteLine("usage: generate --count N --areas K --seed S --out DIR [--mixed]\n" +
                    "       run --data DIR --work DIR [--lookups N] [--sqlite-lookups N] [--sqlite true|false]\n" +
                    "           [--candidates true|false]\n" +
                    "       bdn [BenchmarkDotNet arguments]   (REGISTRY_DATA=DIR names the generated files)\n" +
                    "       e2e [--data DIR | --registry-count N] [--work DIR] [--consents N] [--dnc N] [--seconds S]\n" +
                    "           [--concurrency 1,16,64] [--max-requests N] [--phases placed,checks,status,lookup]\n" +
                    "           [--lookup-numbers N]\n" +
                    "           [--clock-offset-hours H] [--strace true|false] [--server-warmup S] [--server-log FILE]\n" +
                    "           [--server-settings 'KEY=VALUE;KEY=VALUE']\n" +
                    "       bulk [--registry-count N | --data DIR] [--rows N] [--checks N] [--calls N] [--consents N]\n" +
                    "           [--dnc N] [--work DIR]\n" +
                    "       scaleout [--postgres CONNECTION] [--seconds S] [--concurrency C] [--numbers N]\n" +
                    "           [--clock-offset-hours H]\n" +
                    "       events [--seconds S] [--concurrency C] [--rounds R] [--events N] [--work DIR]\n" +
                    "           [--clock-offset-hours H]");
                return 2;
        }
    }

    private static void Generate(Dictionary<string, string> o)
    {
        var count = long.Parse(o["count"], CultureInfo.InvariantCulture);
        var generator = new RegistryDataGenerator(count,
            int.Parse(o.GetValueOrDefault("areas", "400"), CultureInfo.InvariantCulture),
            ulong.Parse(o.GetValueOrDefault("seed", "1"), CultureInfo.InvariantCulture), o.ContainsKey("mixed"));
        var started = Stopwatch.GetTimestamp();
        var files = generator.Write(o["out"]);
        var megabytes = files.Sum(f => new FileInfo(f).Length) / 1e6;
        Console.WriteLine($"wrote {count:N0} numbers in {files.Count} files ({megabytes:N0} MB) " +
                          $"to {o["out"]} in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
    }

    private static void Run(Dictionary<string, string> o)
    {
        var files = Directory.GetFiles(o["data"], "*.txt").Order(StringComparer.Ordinal).ToArray();
        var work = o["work"];
        Directory.CreateDirectory(work);
        var lookups = int.Parse(o.GetValueOrDefault("lookups", "20000000"), CultureInfo.InvariantCulture);
        var sqliteLookups = int.Parse(o.GetValueOrDefault("sqlite-lookups", "200000"), CultureInfo.InvariantCulture);
        var textBytes = files.Sum(f => new FileInfo(f).Length);
        Console.WriteLine($"{files.Length} files, {textBytes / 1e6:N0} MB of text; {Environment.ProcessorCount} cores; " +
                          $".NET {Environment.Version}");

        // Both importers read the files from the page cache: read them once first.
        var warm = Time(() => { foreach (var f in files) using (var s = File.OpenRead(f)) s.CopyTo(Stream.Null); });
        Console.WriteLine($"read files (cache warm-up): {warm:0.00} s");

        var snapshots = Path.Combine(work, "snapshots");
        ImportResult? result = null;
        var import = Time(() => result = RegistryImporter.Import(snapshots, RegistryLists.National, ImportMode.Full, files,
            new DateOnly(2026, 11, 1), TimeProvider.System));
        var path = Path.Combine(snapshots, RegistryLists.FileName(RegistryLists.National));
        var count = result!.Header.Count;
        Console.WriteLine($"index import: {import:0.00} s for {count:N0} numbers ({count / import / 1e6:0.0} M numbers/s); " +
                          $"snapshot {new FileInfo(path).Length / 1e6:0.0} MB");
        result = null;
        GC.Collect();

        var before = Memory.Read();
        RegistrySnapshot? snapshot = null;
        var map = Time(() => snapshot = RegistrySnapshot.Map(path));
        var after = Memory.Read();
        Console.WriteLine($"map + verify: {map:0.00} s; " +
                          $"resident after: +{(after.File - before.File) / 1e6:0.0} MB file-backed, " +
                          $"+{(after.Anonymous - before.Anonymous) / 1e6:0.0} MB anonymous");

        var numbers = snapshot!.Numbers;
        var queries = Queries(numbers, lookups, out var present);
        var ours = Lookups("index (memory-mapped snapshot)", snapshot.Contains, queries, present);
        var afterLookups = Memory.Read();
        Console.WriteLine($"resident after lookups: +{(afterLookups.File - before.File) / 1e6:0.0} MB file-backed");

        if (o.GetValueOrDefault("candidates", "true") == "true")
        {
            foreach (var candidate in new ICandidate[] { new DenseAreaBitmaps(numbers), new SortedAreaArrays(numbers) })
            {
                Lookups(candidate.Name, candidate.Contains, queries, present);
                Console.WriteLine($"  {candidate.Name}: {candidate.Bytes / 1e6:0.0} MB");
            }
        }
        numbers = null;
        GC.Collect();

        if (o.GetValueOrDefault("sqlite", "true") == "true")
        {
            var db = Path.Combine(work, "baseline.db");
            SqliteBaseline? baseline = null;
            var sqliteImport = Time(() => baseline = SqliteBaseline.Import(db, files));
            Console.WriteLine($"SQLite import: {sqliteImport:0.00} s ({count / sqliteImport / 1e6:0.00} M numbers/s); " +
                              $"database {baseline!.FileBytes / 1e6:0.0} MB; " +
                              $"index import is {sqliteImport / import:0.0}x faster");
            var beforeSqlite = Memory.Read();
            var sqliteQueries = queries[..Math.Min(sqliteLookups, queries.Length)];
            var sqlite = Lookups("SQLite (new parameterized command per lookup)", baseline.Contains, sqliteQueries,
                sqliteQueries.Count(q => q.Present));
            var afterSqlite = Memory.Read();
            Console.WriteLine("SQLite resident growth during lookups: " +
                              $"+{(afterSqlite.File - beforeSqlite.File) / 1e6:0.0} MB file-backed, " +
                              $"+{(afterSqlite.Anonymous - beforeSqlite.Anonymous) / 1e6:0.0} MB anonymous");
            Console.WriteLine($"index lookups are {ours / sqlite:0}x the SQLite baseline");
            baseline.Dispose();
        }
        snapshot.Dispose();
    }

    private readonly record struct Query(long Number, bool Present);

    /// <summary>Random numbers, half of them listed; the unlisted half are drawn from the same area codes so they hit real
    /// blocks.</summary>
    private static Query[] Queries(long[] numbers, int n, out int present)
    {
        var random = new SplitMix64(42);
        var areas = numbers.Select(x => x / 10_000_000).Distinct().ToArray();
        var queries = new Query[n];
        present = 0;
        for (var i = 0; i < n; i++)
        {
            if ((random.Next() & 1) == 0)
            {
                queries[i] = new Query(numbers[(long)(random.Next() % (ulong)numbers.Length)], true);
                present++;
                continue;
            }
            long candidate;
            do
            {
                var area = areas[random.Next() % (ulong)areas.Length];
                candidate = area * 10_000_000 + 2_000_000 + (long)(random.Next() % 8_000_000);
            }
            while (Array.BinarySearch(numbers, candidate) >= 0);
            queries[i] = new Query(candidate, false);
        }
        return queries;
    }

    private static double Lookups(string name, Func<long, bool> contains, Query[] queries, int present)
    {
        foreach (var q in queries.AsSpan(0, Math.Min(queries.Length, 100_000))) contains(q.Number);
        var found = 0;
        var seconds = Time(() => { foreach (var q in queries) if (contains(q.Number)) found++; });
        if (found != present) throw new InvalidOperationException($"{name}: {found} found, {present} expected");
        var perSecond = queries.Length / seconds;
        Console.WriteLine($"lookups, one thread, {name}: {perSecond / 1e6:0.000} M/s " +
                          $"({1e9 / perSecond:0} ns each, {queries.Length:N0} lookups)");
        return perSecond;
    }

    private static double Time(Action action)
    {
        var started = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static Dictionary<string, string> Options(IEnumerable<string> args)
    {
        var options = new Dictionary<string, string>();
        string? key = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                key = arg[2..];
                options[key] = "true";
            }
            else if (key is not null)
            {
                options[key] = arg;
                key = null;
            }
        }
        return options;
    }
}

/// <summary>The process's resident memory from /proc (Linux): file-backed pages are the mapped snapshot, anonymous the
/// heap.</summary>
internal readonly record struct Memory(long File, long Anonymous)
{
    public static Memory Read()
    {
        long Field(string[] lines, string name) =>
            lines.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal)) is { } line
                ? long.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024 : 0;
        if (!OperatingSystem.IsLinux()) return default;
        var status = System.IO.File.ReadAllLines("/proc/self/status");
        return new Memory(Field(status, "RssFile:"), Field(status, "RssAnon:"));
    }
}
