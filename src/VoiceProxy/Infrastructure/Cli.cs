using System.Globalization;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Infrastructure;

/// <summary>The program's sub-commands. Each exits 0 on success, else non-zero with a one-line error.</summary>
internal static class Cli
{
    public static async Task<int?> TryRunAsync(string[] args)
    {
        if (args is ["audit", ..]) return await Audit.AuditCli.RunAsync(args[1..]);
        if (args.Length == 0 || args[0] != "registry") return null;
        try
        {
            return args is [_, "import", ..] ? RegistryImport(args[2..]) : Fail("usage: registry import --list national|state:XX (--full|--add|--remove) FILE... --as-of YYYY-MM-DD");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or InvalidOperationException or ArgumentException or FormatException or UnauthorizedAccessException)
        {
            return await Task.FromResult(Fail(e.Message));
        }
    }

    private static int RegistryImport(string[] args)
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
                    if (mode is not null) return Fail("give one of --full, --add, --remove");
                    mode = Enum.Parse<ImportMode>(args[i][2..], ignoreCase: true);
                    break;
                case var a when a.StartsWith("--", StringComparison.Ordinal) && a.Contains(':'):
                    var kv = a[2..].Split('=', 2);
                    settings[kv[0]] = kv.Length == 2 ? kv[1] : Next(args, ref i);
                    break;
                case var a when a.StartsWith("--", StringComparison.Ordinal): return Fail($"unknown option {a}");
                default: files.Add(args[i]); break;
            }
        }
        if (list is null || !RegistryLists.IsValid(list)) return Fail("--list must be national or state:XX");
        if (mode is null) return Fail("give --full, --add or --remove with the files");
        if (files.Count == 0) return Fail("name at least one file");
        if (!DateOnly.TryParseExact(asOf, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return Fail("--as-of must be a date, YYYY-MM-DD");
        if (files.FirstOrDefault(f => !File.Exists(f)) is { } missing) return Fail($"no such file: {missing}");

        var folder = Configuration(settings)["VoiceProxy:Registry:Path"] ?? new RegistryOptions().Path;
        var terminal = !Console.IsErrorRedirected;
        var started = DateTime.UtcNow;
        var lastReport = DateTime.MinValue;
        var progress = new Progress<(long Done, long Total)>(p =>
        {
            if (DateTime.UtcNow - lastReport < TimeSpan.FromSeconds(terminal ? 0.2 : 2) && p.Done < p.Total) return;
            lastReport = DateTime.UtcNow;
            var percent = p.Total == 0 ? 100 : 100.0 * p.Done / p.Total;
            var line = $"{percent,5:0.0}% read, {(DateTime.UtcNow - started).TotalSeconds:0.0} s";
            if (terminal) Console.Error.Write($"\r{line}   "); else Console.Error.WriteLine(line);
        });
        var result = RegistryImporter.Import(folder, list, mode.Value, files, date, TimeProvider.System, progress);
        if (terminal) Console.Error.WriteLine();
        Console.WriteLine($"Imported {RegistrySnapshot.Describe(result.Header)} into {Path.GetFullPath(folder)}; {result.LinesRead:N0} lines read, {result.BadLines:N0} bad" +
            (result.BadLines > 0 ? $" (first at lines {string.Join(", ", result.FirstBadLines)})" : "") + ".");
        return 0;
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings)
    {
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production";
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

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 2;
    }
}
