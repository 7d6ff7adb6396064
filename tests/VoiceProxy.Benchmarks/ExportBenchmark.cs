using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace VoiceProxy.Benchmarks;

/// <summary>
/// GET /v1/calls/export of a million calls through the real server, run as its own process (Release build of
/// src/VoiceProxy) over a seeded SQLite file, against a named baseline: reading the same columns straight from SQLite
/// with no HTTP and no CSV, the floor an export cannot go below. The server's peak resident memory (VmHWM) is printed
/// after the run. Run: <c>dotnet run -c Release --project tests/VoiceProxy.Benchmarks -- bdn --filter *ExportBenchmark*</c>
/// (EXPORT_ROWS=N changes the row count).
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class ExportBenchmark : IDisposable
{
    private const string Key = "benchmark-supervisor-key-000001";
    private readonly int _rows =
        int.Parse(Environment.GetEnvironmentVariable("EXPORT_ROWS") ?? "1000000", CultureInfo.InvariantCulture);
    private string _folder = "";
    private string _database = "";
    private Process? _server;
    private HttpClient _http = null!;
    private long _rssBeforeKb;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("voiceproxy-export-bench-").FullName;
        _database = Path.Combine(_folder, "voiceproxy.db");
        var port = FreePort();
        var dll = ServerDll();
        _server = Process.Start(new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            ArgumentList =
            {
                dll, "--urls", $"http://127.0.0.1:{port}", "--ConnectionStrings:VoiceProxy", $"Data Source={_database}",
                "--VoiceProxy:PublicBaseUrl", "https://voiceproxy.example.com",
                "--VoiceProxy:Registry:Path", Path.Combine(_folder, "registry"),
                "--VoiceProxy:Privacy:PseudonymKey", "bWFkZS11cC1iZW5jaG1hcmstcHNldWRvbnltLWtleQ==",
                "--VoiceProxy:Sellers:0:Id", "acme", "--VoiceProxy:Sellers:0:LegalName", "Acme Outdoor Supply",
                "--VoiceProxy:Sellers:0:CallbackNumber", "+18005550199", "--VoiceProxy:Sellers:0:CallerIds:0", "+14155550100",
                "--VoiceProxy:ApiKeys:0:Name", "supervisor", "--VoiceProxy:ApiKeys:0:Key", Key,
                "--VoiceProxy:ApiKeys:0:Role", "Supervisor",
                // Production without Twilio credentials: Simulated must be asked for (no call is placed here anyway).
                "--Twilio:Mode", "Simulated",
                "--VoiceProxy:Audit:Key", "YmVuY2htYXJrLW1hZGUtdXAtYXVkaXQta2V5LTAwMDE=", // made up; Production needs one
                // The seeded calls span 347 days; an export is otherwise bounded to 31.
                "--VoiceProxy:Limits:MaxReviewRangeDays", "366",
                "--Serilog:MinimumLevel:Default", "Warning",
            },
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(10) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        WaitUntilReady();
        Seed();
        _rssBeforeKb = Kb("VmRSS");
        Console.WriteLine($"// export: {_rows:N0} calls seeded; server RSS before {_rssBeforeKb / 1024.0:N0} MB");
    }

    [Benchmark(Baseline = true)]
    public long SqliteReadOnly()
    {
        using var connection = new SqliteConnection($"Data Source={_database};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT Id, Seller, "To", "From", Purpose, Template, Language, Status, Allowed,
                   ReasonCodes,
                   AnsweredBy, DurationSeconds, OptedOut, TwilioCallSid, RequestedAt, UpdatedAt
            FROM calls ORDER BY RequestedAt DESC, Id DESC
            """;
        using var reader = command.ExecuteReader();
        long chars = 0;
        while (reader.Read())
            for (var i = 0; i < reader.FieldCount; i++)
                if (!reader.IsDBNull(i)) chars += reader.GetValue(i) is string s ? s.Length : 1;
        return chars;
    }

    [Benchmark]
    public async Task<long> HttpExport()
    {
        using var response = await _http.GetAsync(
            "/v1/calls/export?from=2026-01-01&to=2027-01-01", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[81920];
        long bytes = 0, lines = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            bytes += read;
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }
        if (lines != _rows + 1) throw new InvalidOperationException($"The export had {lines} lines for {_rows} calls.");
        return bytes;
    }

    /// <summary>The global cleanup; BenchmarkDotNet calls it by its attribute, never as IDisposable.</summary>
    [GlobalCleanup]
    public void Dispose()
    {
        Console.WriteLine($"// export: server RSS before {_rssBeforeKb / 1024.0:N0} MB, "
            + $"peak (VmHWM) {Kb("VmHWM") / 1024.0:N0} MB, now {Kb("VmRSS") / 1024.0:N0} MB");
        _server?.Kill(entireProcessTree: true);
        _server?.WaitForExit();
        _http.Dispose();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }

    /// <summary>A realistic mix: 80% allowed and completed, 20% blocked with one or two reasons.</summary>
    private void Seed()
    {
        using var connection = new SqliteConnection($"Data Source={_database}");
        connection.Open();
        using var tx = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO calls (Id, Seller, "To", "From", Purpose, Template, Language, VariablesJson, Allowed, DecisionJson,
                               ReasonCodes, Status, AnsweredBy, DurationSeconds, TwilioCallSid, OptedOut, LastSequenceNumber,
                               RequestedAt, UpdatedAt)
            VALUES ($id, 'acme', $to, '+14155550100', 'transactional', 'order-update', 'en-US', '{"orderNumber":"A-1001"}',
                    $allowed, $decision, $reasons, $status, $answered, $duration, $sid, $optedOut, -1, $at, $at)
            """;
        var p = new Dictionary<string, SqliteParameter>();
        string[] names =
            ["$id", "$to", "$allowed", "$decision", "$reasons", "$status", "$answered", "$duration", "$sid", "$optedOut", "$at"];
        foreach (var name in names)
            p[name] = insert.Parameters.Add(new SqliteParameter { ParameterName = name });
        // Each one line of JSON, as the service stores a decision; the literals are wrapped only to keep lines short.
        var allowedDecision = """
            {"allowed":true,"evaluatedAt":"2026-11-30T18:00:00Z","checks":[
            {"rule":"consent","outcome":"pass","citation":"47 CFR 64.1200(a)(1)-(3)","detail":"express transactional consent"},
            {"rule":"calling_hours","outcome":"pass","citation":"47 CFR 64.1200(c)(1)","detail":"10:00 America/Los_Angeles"}],
            "reasons":[],"nextAllowedAt":null,"lists":[]}
            """.ReplaceLineEndings("");
        var blockedDecision = """
            {"allowed":false,"evaluatedAt":"2026-11-30T18:00:00Z","checks":[
            {"rule":"consent","outcome":"block","citation":"47 CFR 64.1200(a)(1)-(3)",
            "detail":"No consent","code":"consent_missing"},
            {"rule":"dnc_internal","outcome":"block","citation":"47 CFR 64.1200(d)","detail":"listed","code":"dnc_internal"}],
            "reasons":[{"code":"consent_missing","rule":"consent","message":"No consent."},
            {"code":"dnc_internal","rule":"dnc_internal","message":"On the list."}],
            "nextAllowedAt":null,"lists":[]}
            """.ReplaceLineEndings("");
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var random = new Random(5);
        for (var i = 0; i < _rows; i++)
        {
            var at = start.AddSeconds(i * 30L + random.Next(30));
            var allowed = random.Next(5) != 0;
            p["$id"].Value = Guid.CreateVersion7(at).ToString();
            p["$to"].Value = "+1415" + random.Next(2_000_000, 9_999_999).ToString(CultureInfo.InvariantCulture);
            p["$allowed"].Value = allowed;
            p["$decision"].Value = allowed ? allowedDecision : blockedDecision;
            p["$reasons"].Value = allowed ? DBNull.Value : "consent_missing dnc_internal";
            p["$status"].Value = allowed ? "completed" : "blocked";
            p["$answered"].Value = allowed ? (random.Next(4) == 0 ? "machine_end_beep" : "human") : DBNull.Value;
            p["$duration"].Value = allowed ? random.Next(5, 120) : DBNull.Value;
            p["$sid"].Value = allowed ? "CA" + Guid.NewGuid().ToString("N") : DBNull.Value;
            p["$optedOut"].Value = allowed && random.Next(50) == 0;
            p["$at"].Value = at.UtcTicks;
            insert.ExecuteNonQuery();
        }
        tx.Commit();
    }

    private void WaitUntilReady()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(1))
        {
            if (_server!.HasExited) throw new InvalidOperationException($"The server exited with {_server.ExitCode}.");
            try
            {
                if (_http.GetAsync("/health/ready").GetAwaiter().GetResult().IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            Task.Delay(200).GetAwaiter().GetResult();
        }
        throw new TimeoutException("The server did not become ready within a minute.");
    }

    private long Kb(string field) =>
        File.ReadLines($"/proc/{_server!.Id}/status")
            .Where(l => l.StartsWith(field + ":", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture))
            .Single();

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The server built beside this benchmark (same configuration), found from the repository root.</summary>
    private static string ServerDll()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "VoiceProxy.sln"))) dir = dir.Parent;
        var release = $"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}";
        var dll = dir is null
            ? null
            : Directory.EnumerateFiles(
                    Path.Combine(dir.FullName, "src", "VoiceProxy", "bin"), "VoiceProxy.dll", SearchOption.AllDirectories)
                .Where(f => f.Contains(release, StringComparison.Ordinal))
                .OrderByDescending(File.GetLastWriteTimeUtc)
                .FirstOrDefault();
        return dll ?? throw new FileNotFoundException(
            "Build src/VoiceProxy in Release first (dotnet build -c Release src/VoiceProxy).");
    }
}
