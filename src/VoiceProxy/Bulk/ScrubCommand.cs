using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Spectre.Console;
using VoiceProxy.Audit;
using VoiceProxy.Compliance;
using VoiceProxy.Consent;
using VoiceProxy.Data;
using VoiceProxy.DoNotCall;
using VoiceProxy.Infrastructure;
using VoiceProxy.Lookup;
using VoiceProxy.Twiml;

namespace VoiceProxy.Bulk;

/// <summary><c>scrub FILE --seller ID [--purpose P] [--at INSTANT] [--template NAME] [--out FILE]</c>: the scrub of
/// <c>POST /v1/compliance/scrub</c> from the command line, against the service's own store and registry, with a progress
/// bar on a terminal (a line every two seconds otherwise) and a summary with the counts per reason.</summary>
internal static class ScrubCommand
{
    public const string Usage =
        "usage: scrub FILE --seller ID [--purpose transactional|marketing] [--at INSTANT] [--template NAME] [--out FILE]";

    public static async Task<int> RunAsync(string[] args, TextWriter error)
    {
        string? file = null, seller = null, purpose = null, at = null, template = null, output = null;
        var settings = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seller": seller = Next(args, ref i); break;
                case "--purpose": purpose = Next(args, ref i); break;
                case "--at": at = Next(args, ref i); break;
                case "--template": template = Next(args, ref i); break;
                case "--out": output = Next(args, ref i); break;
                case var a when a.StartsWith("--", StringComparison.Ordinal)
                    && (a.Contains(':') || a.StartsWith("--environment", StringComparison.Ordinal)):
                    settings.Add(a);
                    if (!a.Contains('=')) settings.Add(Next(args, ref i));
                    break;
                case var a when a.StartsWith("--", StringComparison.Ordinal): return Fail(error, $"unknown option {a}");
                default:
                    if (file is not null) return Fail(error, "name one file");
                    file = args[i];
                    break;
            }
        }
        if (file is null || seller is null) return Fail(error, Usage);
        if (!File.Exists(file)) return Fail(error, $"no such file: {file}");
        if (purpose is not null && Purposes.Parse(purpose) is null)
            return Fail(error, "--purpose must be transactional or marketing");
        DateTimeOffset? instant = null;
        if (at is not null)
        {
            if (!DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                return Fail(error, "--at must be an instant such as 2026-12-01T15:00:00Z");
            instant = parsed;
        }

        await using var app = Build([.. settings]);
        var options = app.Services.GetRequiredService<IOptions<VoiceProxyOptions>>().Value;
        if (options.FindSeller(seller) is null) return Fail(error, $"no seller '{seller}' is configured");
        app.MigrateDatabase();
        var now = app.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (instant < now.AddYears(-1) || instant > now.AddYears(1)) return Fail(error, "--at must be within a year of now");
        var found = template is null ? null : app.Services.GetRequiredService<TemplateCatalog>()
            .Find(options.FindSeller(seller)!.DefaultLanguage, template);
        if (template is not null && found is null) return Fail(error, $"no template '{template}'");
        var marketing = found?.Purpose == Purpose.Marketing;
        if (marketing && Purposes.Parse(purpose) == Purpose.Transactional)
            return Fail(error, "this template makes an offer, so the call is a marketing call");

        var request = new ScrubRequest(seller, $"cli:{Environment.UserName}", Purposes.Parse(purpose), instant ?? now, template,
            marketing);
        await using var input = File.OpenRead(file);
        await using var sink = output is null ? Console.OpenStandardOutput() : File.Create(output);
        var writer = PipeWriter.Create(sink);
        var limit = options.Limits.MaxScrubRows;
        using var reader = new ScrubReader(PipeReader.Create(input), FormatOf(file), limit);
        if (await reader.ReadHeaderAsync(CancellationToken.None) is { } bad) return Fail(error, bad);
        using var scope = app.Services.CreateScope();
        var scrubber = scope.ServiceProvider.GetRequiredService<Scrubber>();
        var started = Stopwatch.GetTimestamp();
        var run = Task.Run(async () => await scrubber.StreamAsync(request, reader,
            await reader.ReadBatchAsync(Scrubber.BatchRows, CancellationToken.None),
            new ScrubOutput(output is not null && output.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)
                ? ScrubFormat.Csv : ScrubFormat.Ndjson), writer, limit, CancellationToken.None));
        await ShowProgressAsync(run, input, error);
        var summary = await run;
        await writer.CompleteAsync();

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var report = output is null ? error : Console.Out;
        await report.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Scrubbed {summary.Rows:N0} rows for {seller} in {seconds:0.0} s: {summary.Allowed:N0} allowed, " +
            $"{summary.Blocked:N0} blocked, {summary.Errors:N0} bad rows; input SHA-256 {summary.Sha256}."));
        foreach (var (code, count) in summary.Reasons)
            await report.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {code,-24} {count,12:N0}"));
        if (summary.Cut) return Fail(error, $"more than {limit:N0} rows: the rest of the file was not read");
        return 0;
    }

    /// <summary>The same services the server decides with, over its store and registry: nothing is served.</summary>
    private static WebApplication Build(string[] settings)
    {
        // Settings beside the program, as the server reads them; the store and registry folder as configured (by default
        // relative to the working directory).
        var builder = WebApplication.CreateBuilder(
            new WebApplicationOptions { Args = settings, ContentRootPath = AppContext.BaseDirectory });
        builder.KeepDemoSettingsToDemos(settings);
        // Warnings and errors only, on stderr: stdout may carry the answers.
        builder.Logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddFilter<ConsoleLoggerProvider>(level => level >= LogLevel.Warning);
        builder.Services.AddVoiceProxyOptions(builder.Configuration).AddData().AddAudit().AddConsent().AddDoNotCall()
            .AddCompliance().AddTwiml().AddLookup(builder.Configuration).AddBulk();
        return builder.Build();
    }

    private static ScrubFormat FormatOf(string file) =>
        file.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? ScrubFormat.Csv : ScrubFormat.Ndjson;

    /// <summary>How far through the file: a bar on a terminal, else a line every two seconds.</summary>
    private static async Task ShowProgressAsync(Task run, FileStream input, TextWriter error)
    {
        var total = Math.Max(1, input.Length);
        if (ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            await console.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("scrubbing", maxValue: total);
                    while (!run.IsCompleted)
                    {
                        task.Value = Math.Min(total, input.Position);
                        await Task.WhenAny(run, Task.Delay(200));
                    }
                    if (run.IsCompletedSuccessfully) task.Value = total;
                });
            return;
        }
        while (await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(2))) != run)
            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"scrubbing {100.0 * input.Position / total,5:0.0}%"));
    }

    private static string Next(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value");

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"error: {message}");
        return 2;
    }
}
