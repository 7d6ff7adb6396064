using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Twilio.Clients;
using HttpClient = System.Net.Http.HttpClient;
using HttpMethod = System.Net.Http.HttpMethod;
using SystemNetHttpClient = Twilio.Http.SystemNetHttpClient;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Benchmarks;

/// <summary>
/// The whole gate under load: the Release server as its own process on loopback, in Live mode against a Twilio stand-in
/// in this process, over a seeded SQLite file (consent entries, internal do-not-call entries) and an imported national
/// registry. Measures placed calls through VoiceProxy against the same driver calling the stand-in with the Twilio SDK
/// (the baseline, same run), dry-run checks, signed status callbacks, and start-up to ready. Every phase is bounded by
/// time and by count. Credentials, keys and numbers here are made up.
/// </summary>
internal sealed class EndToEnd(Dictionary<string, string> o)
{
    private const string Key = "benchmark-acme-caller-key-0001";
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string AuthToken = "made-up-benchmark-auth-token";
    private const string CallerId = "+14155550100";
    private const string PseudonymKey = "bWFkZS11cC1iZW5jaG1hcmstcHNldWRvbnltLWtleQ==";

    /// <summary>Area codes spanning the clock; those outside calling hours when the run starts are left out (see
    /// <see cref="CallingClock"/>).</summary>
    private static readonly int[] Areas = CallingClock.AllAreas;

    private readonly int _consents = Int(o, "consents", 1_000_000);
    private readonly int _dnc = Int(o, "dnc", 100_000);
    private readonly TimeSpan _phase = TimeSpan.FromSeconds(Int(o, "seconds", 5));
    private readonly int _maxRequests = Int(o, "max-requests", 100_000);
    private readonly int[] _concurrency = o.GetValueOrDefault("concurrency", "1,16,64").Split(',')
        .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
    private readonly string[] _phases = o.GetValueOrDefault("phases", "placed,checks,status").Split(',');
    private readonly int _lookupNumbers = Int(o, "lookup-numbers", 2_000);
    private readonly bool _seedLookup = o.GetValueOrDefault("lookup-cache", "true") == "true";
    private readonly List<string> _rows = [];
    private readonly List<(string Name, FsyncTrace.Window Window, long Requests)> _cells = [];
    private string[] _numbers = [];
    private string[] _fresh = []; // consented numbers whose Lookup answers were not seeded (the lookup phase's misses)
    private int _next;
    private int _sequence = 100; // each status callback a higher SequenceNumber, so each is a real update
    private ServerProcess? _server;

    private static int Int(Dictionary<string, string> o, string name, int fallback) =>
        int.Parse(o.GetValueOrDefault(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    public async Task RunAsync()
    {
        var work = Path.GetFullPath(o.GetValueOrDefault("work", Path.Combine(Path.GetTempPath(), "voiceproxy-e2e")));
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);
        var database = Path.Combine(work, "voiceproxy.db");
        var registry = Path.Combine(work, "registry");
        Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}, load average {LoadAverage()}; " +
                          $"work folder {work}");
        var clock = CallingClock.Choose(DateTimeOffset.UtcNow, o.TryGetValue("clock-offset-hours", out var offset)
            ? double.Parse(offset, CultureInfo.InvariantCulture) : null);
        Console.WriteLine($"calling hours: {clock.Describe()}");
        var fsyncs = o.GetValueOrDefault("strace", FsyncTrace.Available() ? "true" : "false") == "true"
            ? new FsyncTrace(Path.Combine(work, "fsync.strace")) : null;
        if (fsyncs is null) Console.WriteLine("fsyncs per request: not counted (strace not found or --strace false)");

        await using var standIn = await TwilioStandIn.StartAsync();
        var registryCount = ImportRegistry(registry, work);

        var port = FreePort();
        string[] args =
        [
            "--urls", $"http://127.0.0.1:{port}", "--ConnectionStrings:VoiceProxy", $"Data Source={database}",
            "--VoiceProxy:PublicBaseUrl", PublicBaseUrl, "--VoiceProxy:Registry:Path", registry,
            "--VoiceProxy:Privacy:PseudonymKey", PseudonymKey,
            "--VoiceProxy:Sellers:0:Id", "acme", "--VoiceProxy:Sellers:0:LegalName", "Acme Outdoor Supply",
            "--VoiceProxy:Sellers:0:CallbackNumber", "+18005550199", "--VoiceProxy:Sellers:0:CallerIds:0", CallerId,
            "--VoiceProxy:ApiKeys:0:Name", "bench-app", "--VoiceProxy:ApiKeys:0:Key", Key,
            "--VoiceProxy:ApiKeys:0:Role", "Caller", "--VoiceProxy:ApiKeys:0:Seller", "acme",
            // Made up: Production refuses to start without an audit key.
            "--VoiceProxy:Audit:Key", "YmVuY2htYXJrLW1hZGUtdXAtYXVkaXQta2V5LTAwMDE=",
            // The default per-key limits (50/s, burst 100) would measure the limiter, not the gate.
            "--VoiceProxy:Limits:PermitsPerSecond", "100000", "--VoiceProxy:Limits:Burst", "100000",
            "--Twilio:AccountSid", AccountSid, "--Twilio:AuthToken", AuthToken, "--Twilio:ApiBaseUrl", standIn.BaseUrl,
            "--Twilio:LookupBaseUrl", standIn.BaseUrl, "--Serilog:MinimumLevel:Default", "Warning",
            .. clock.Args, .. ServerSettings(o),
        ];
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        var options = new ServerOptions(clock.Environment, null, o.GetValueOrDefault("server-log"));

        // First start migrates the empty database; the seed then goes straight into the file the service created.
        using (var first = await ServerProcess.StartAsync(args, http, options)) { }
        Seed(database);

        var startups = new List<double>();
        var startupCpu = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            using var server = await ServerProcess.StartAsync(args, http, options);
            startups.Add(server.ReadyAfter.TotalMilliseconds);
            // CPU time to ready: what the start-up costs, which other load on the machine barely moves.
            startupCpu.Add(ProcCpu.ProcessMs(server.ServerPid));
        }
        Console.WriteLine($"start-up to ready (registry of {registryCount:N0}, {_consents:N0} consents, {_dnc:N0} DNC): " +
                          string.Join(", ", startups.Select(s => $"{s:0} ms")) + "; server CPU to ready " +
                          string.Join(", ", startupCpu.Select(s => $"{s:0} ms")));
        // The measured server: under strace when fsyncs are counted (its start-up is not one of the three above).
        _server = await ServerProcess.StartAsync(args, http, options with { Fsyncs = fsyncs });
        using (_server)
        {
            Console.WriteLine($"server pid {_server.ServerPid}, environment {clock.Environment}");
            await ChooseNumbersAsync(http, clock);

            var placed = new List<(string Id, string Sid)>();
            await WarmUpAsync(http, placed);
            if (_phases.Contains("placed"))
            {
                foreach (var c in _concurrency)
                {
                    var baseline = await MeasureAsync($"baseline: Twilio SDK -> stand-in, c={c}", c,
                        _ => DirectAsync(standIn.BaseUrl));
                    var ours = await MeasureAsync($"placed calls through VoiceProxy, c={c}", c, _ => PlaceAsync(http, placed),
                        $"placed call, concurrency {c}");
                    _rows.Add($"| placed calls, concurrency {c} | {ours.PerSecond:N0}/s | {ours.P50:0.0} ms | " +
                              $"{ours.P99:0.0} ms | {baseline.PerSecond:N0}/s | {baseline.P50:0.0} ms | " +
                              $"{baseline.P99:0.0} ms | " +
                              $"{ours.P99 - baseline.P99:+0.0;-0.0} ms p99, " +
                              $"{baseline.PerSecond / ours.PerSecond:0.0}x time per call |");
                }
            }
            if (_phases.Contains("checks"))
            {
                foreach (var c in _concurrency)
                {
                    var checks = await MeasureAsync($"dry-run checks, c={c}", c, _ => CheckAsync(http),
                        $"dry-run check, concurrency {c}");
                    _rows.Add($"| dry-run checks, concurrency {c} | {checks.PerSecond:N0}/s | {checks.P50:0.0} ms | " +
                              $"{checks.P99:0.0} ms | | | | |");
                }
            }
            if (_phases.Contains("status"))
            {
                if (placed.Count == 0) await PlaceSomeAsync(http, placed, 200);
                foreach (var c in _concurrency)
                {
                    var status = await MeasureAsync($"signed status callbacks, c={c}", c,
                        n => StatusAsync(http, placed, n, Interlocked.Increment(ref _sequence)),
                        $"status callback, concurrency {c}");
                    _rows.Add($"| signed status callbacks, concurrency {c} | {status.PerSecond:N0}/s | {status.P50:0.0} ms | " +
                              $"{status.P99:0.0} ms | | | | |");
                }
            }
            if (_phases.Contains("lookup")) await LookupPhaseAsync(http);
            _rows.Add($"| start-up to ready, {registryCount / 1e6:0} M registry, {_consents / 1e6:0.#} M consents | " +
                      $"{startups.Order().ElementAt(startups.Count / 2):0} ms (median of {startups.Count}) | | | | | | |");
            Console.WriteLine($"server peak resident memory (VmHWM): {_server.PeakMb():N0} MB; " +
                              $"load average after: {LoadAverage()}");
        }
        if (fsyncs is not null) AddFsyncRows(fsyncs);

        Console.WriteLine();
        Console.WriteLine("| figure | VoiceProxy | p50 | p99 | baseline (SDK direct) | p50 | p99 | overhead |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var row in _rows) Console.WriteLine(row);
    }

    /// <summary>Read once the traced server has exited: fsync and fdatasync calls per request of each measured cell, the
    /// time each took, and which files they were.</summary>
    private void AddFsyncRows(FsyncTrace fsyncs)
    {
        var calls = fsyncs.Read();
        Console.WriteLine($"strace: {calls.Count:N0} fsync/fdatasync calls in {fsyncs.Output}");
        foreach (var (name, window, requests) in _cells)
        {
            var (perRequest, p50, p99, files) = FsyncTrace.Summarize(calls, window, requests);
            static string Each(double ms) => double.IsNaN(ms) ? "-" : $"{ms:0.00} ms each";
            _rows.Add($"| fsyncs per {name} (strace) | {perRequest:0.00} ({files}) | {Each(p50)} | {Each(p99)} | | | | |");
        }
    }

    /// <summary>Extra server settings for a profiling run, e.g.
    /// <c>--server-settings "Serilog:MinimumLevel:Override:Microsoft.EntityFrameworkCore.Database.Command=Information"</c>
    /// (several separated by ';').</summary>
    private static string[] ServerSettings(Dictionary<string, string> o) =>
        o.TryGetValue("server-settings", out var settings)
            ? settings.Split(';', StringSplitOptions.RemoveEmptyEntries)
                .SelectMany(s => s.Split('=', 2) is [var key, var value] ? new[] { "--" + key.Trim(), value }
                    : throw new ArgumentException($"--server-settings wants KEY=VALUE pairs separated by ';', not '{s}'"))
                .ToArray()
            : [];

    internal long ImportRegistry(string registry, string work)
    {
        var data = o.GetValueOrDefault("data");
        if (data is null)
        {
            data = Path.Combine(work, "registry-data");
            var count = long.Parse(o.GetValueOrDefault("registry-count", "10000000"), CultureInfo.InvariantCulture);
            new RegistryDataGenerator(count, 400, 1).Write(data);
        }
        var files = Directory.GetFiles(data, "*.txt").Order(StringComparer.Ordinal).ToArray();
        var started = Stopwatch.GetTimestamp();
        var result = RegistryImporter.Import(registry, RegistryLists.National, ImportMode.Full, files,
            DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-3), TimeProvider.System);
        Console.WriteLine($"registry: imported {result.Header.Count:N0} numbers from {files.Length} files in " +
                          $"{Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
        return result.Header.Count;
    }

    /// <summary>Consent for the transactional calls the load places, one number each; internal do-not-call entries beside them.
    /// Batched inserts in one transaction, in the EF schema's own columns (instants as UTC ticks).</summary>
    private void Seed(string database)
    {
        var started = Stopwatch.GetTimestamp();
        using var connection = new SqliteConnection($"Data Source={database}");
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous = OFF";
            pragma.ExecuteNonQuery();
        }
        var at = DateTimeOffset.UtcNow.AddDays(-30).UtcTicks;
        using var tx = connection.BeginTransaction();
        Insert(connection, """
            INSERT INTO consent_entries (Seller, Phone, Action, Scope, Kind, EffectiveAt, RecordedAt, Source, RecordedBy)
            VALUES ('acme', $phone, 'Grant', 'transactional', 'express', $at, $at, 'checkout-form', 'seed')
            """, _consents, i => Number(i), at);
        Insert(connection, """
            INSERT INTO dnc_entries (Seller, Phone, Action, Reason, At, RecordedBy)
            VALUES ('acme', $phone, 'Add', 'customer request', $at, 'seed')
            """, _dnc, i => Number(i, dnc: true), at);
        SeedLookupAnswers(connection, at);
        tx.Commit();
        Console.WriteLine($"seeded {_consents:N0} consent entries, {_dnc:N0} internal DNC entries and fresh Lookup answers " +
                          $"for {Seeded:N0} of the consented numbers over {Areas.Length} area codes in " +
                          $"{Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
    }

    /// <summary>The consented numbers (indices below this) whose Lookup answers are seeded; the last
    /// <c>--lookup-numbers</c> of each area code are not, for the lookup phase's misses.</summary>
    private int Seeded => _seedLookup ? Math.Max(0, _consents - _lookupNumbers * Areas.Length) : 0;

    /// <summary>Fresh Lookup answers (a mobile line, not reassigned since the consent's date) for the first
    /// <see cref="Seeded"/> consented numbers, as after a day of calls to them, so that the placed-call and dry-run cells
    /// measure the gate with Lookup's cache warm; a miss (a Lookup round trip, its answer and audit event written) is
    /// measured on its own by the lookup phase. <c>--lookup-cache false</c> seeds none: every first call to a number
    /// then asks the stand-in.</summary>
    private void SeedLookupAnswers(SqliteConnection connection, long consentAt)
    {
        if (Seeded == 0) return;
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO lookup_answers (Person, Seller, Field, LastVerifiedDate, Answer, Detail, AskedAt)
            VALUES ($person, 'acme', $field, $date, $answer, $detail, $at)
            """;
        var person = insert.Parameters.Add(new SqliteParameter { ParameterName = "$person" });
        var field = insert.Parameters.Add(new SqliteParameter { ParameterName = "$field" });
        var date = insert.Parameters.Add(new SqliteParameter { ParameterName = "$date" });
        var answer = insert.Parameters.Add(new SqliteParameter { ParameterName = "$answer" });
        var detail = insert.Parameters.Add(new SqliteParameter { ParameterName = "$detail" });
        insert.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.UtcTicks);
        insert.Prepare();
        var key = Convert.FromBase64String(PseudonymKey);
        var consentDate = new DateTimeOffset(consentAt, TimeSpan.Zero).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        for (var i = 0; i < Seeded; i++)
        {
            // The service's pseudonym of a number: HMAC-SHA256 with the pseudonym key, lower-case hex.
            person.Value = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(Number(i))));
            (field.Value, date.Value, answer.Value, detail.Value) =
                ("line_type_intelligence", DBNull.Value, "mobile", "Loopback Wireless");
            insert.ExecuteNonQuery();
            (field.Value, date.Value, answer.Value, detail.Value) = ("reassigned_number", consentDate, "no", DBNull.Value);
            insert.ExecuteNonQuery();
        }
    }

    internal static void Insert(SqliteConnection connection, string sql, int count, Func<int, string> phone, long at)
    {
        using var insert = connection.CreateCommand();
        insert.CommandText = sql;
        var p = insert.Parameters.Add(new SqliteParameter { ParameterName = "$phone" });
        insert.Parameters.AddWithValue("$at", at);
        insert.Prepare();
        for (var i = 0; i < count; i++)
        {
            p.Value = phone(i);
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>Consented and internal do-not-call numbers, round-robin over the area codes, never the same number (see
    /// <see cref="CallingClock.FirstLine"/>).</summary>
    internal static string Number(int i, bool dnc = false) => string.Create(CultureInfo.InvariantCulture,
        $"+1{Areas[i % Areas.Length]}{CallingClock.FirstLine(Areas[i % Areas.Length], dnc) + i / Areas.Length:D7}");

    /// <summary>Keeps the consented numbers of the area codes the clock chose, once the service itself has allowed a dry run
    /// to each (a state's window can be stricter than the federal one).</summary>
    private async Task ChooseNumbersAsync(HttpClient http, CallingClock clock)
    {
        var open = new List<int>();
        foreach (var area in clock.Areas)
        {
            using var response = await http.PostAsJsonAsync("/v1/compliance/check", Request(Number(Array.IndexOf(Areas, area))));
            var decision = await response.Content.ReadFromJsonAsync<JsonNode>();
            if ((bool?)decision?["allowed"] == true) open.Add(area);
            else Console.WriteLine($"area {area} left out: {(decision?["reasons"] ?? decision)?.ToJsonString()}");
        }
        if (open.Count == 0)
            throw new InvalidOperationException("The service allowed no area code the clock chose; see the reasons above.");
        var inHours = Enumerable.Range(0, _consents).Where(i => open.Contains(Areas[i % Areas.Length])).ToList();
        _numbers = inHours.Where(i => Seeded == 0 || i < Seeded).Select(i => Number(i)).ToArray();
        _fresh = inHours.Where(i => Seeded > 0 && i >= Seeded).Select(i => Number(i)).ToArray();
        Console.WriteLine($"{open.Count} of {Areas.Length} area codes inside calling hours ({string.Join(", ", open)}); " +
                          $"{_numbers.Length:N0} consented numbers to call");
    }

    private static object Request(string to) => new
    {
        to, purpose = "transactional", template = "order-update", language = "en-US",
        variables = new Dictionary<string, string> { ["orderNumber"] = "A-1001", ["orderStatus"] = "shipped" },
    };

    private async Task<bool> PlaceAsync(HttpClient http, List<(string, string)> placed)
    {
        var i = Interlocked.Increment(ref _next);
        if (i >= _numbers.Length)
            throw new InvalidOperationException("Out of consented numbers: lower --seconds or raise --consents.");
        using var response = await http.PostAsJsonAsync("/v1/calls", Request(_numbers[i]));
        if (response.StatusCode != HttpStatusCode.Created)
            return Fail(response.StatusCode, await response.Content.ReadAsStringAsync());
        var call = (await response.Content.ReadFromJsonAsync<JsonNode>())!;
        lock (placed) placed.Add(((string)call["id"]!, (string)call["twilioCallSid"]!));
        return true;
    }

    /// <summary>The first cell would otherwise measure the server's JIT: tiered compilation rejits hot methods only after 30
    /// calls and in the background, and one second of warm-up at concurrency 1 is about 50 requests (a placed call took 11.9 ms
    /// in the first c=1 cell and 5.1 ms in a c=1 cell after the c=64 one, same run). So every path is exercised first, at
    /// concurrency 4, for <c>--server-warmup</c> seconds (default 15; 0 skips it); nothing of it is counted.</summary>
    private async Task WarmUpAsync(HttpClient http, List<(string Id, string Sid)> placed)
    {
        var seconds = Int(o, "server-warmup", 15);
        if (seconds <= 0) return;
        var started = Stopwatch.StartNew();
        long n = 0;
        async Task Worker()
        {
            while (started.Elapsed.TotalSeconds < seconds)
            {
                var i = Interlocked.Increment(ref n);
                List<(string, string)> one = [];
                lock (placed) if (placed.Count > 0) one.Add(placed[(int)(i % placed.Count)]);
                if (i % 3 == 0 && one.Count > 0) await StatusAsync(http, one, 0, Interlocked.Increment(ref _sequence));
                else if (i % 3 == 1) await PlaceAsync(http, placed);
                else await CheckAsync(http);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(Worker)));
        Console.WriteLine($"server warm-up: {n:N0} requests (placed calls, dry-run checks, status callbacks) in {seconds} s, " +
                          "not counted");
    }

    /// <summary>Calls for the status callbacks to report on, when the placed-calls phase was not run.</summary>
    private async Task PlaceSomeAsync(HttpClient http, List<(string, string)> placed, int count)
    {
        for (var i = 0; i < count; i++) await PlaceAsync(http, placed);
    }

    private Task<bool> CheckAsync(HttpClient http) => CheckAsync(http, _numbers[Random.Shared.Next(_numbers.Length)], null);

    /// <summary>A dry run; <paramref name="lookup"/> false skips Twilio Lookup (the path with Lookup off), true consults it
    /// (and asserts the decision shows its answer), null as the server is set.</summary>
    private async Task<bool> CheckAsync(HttpClient http, string number, bool? lookup)
    {
        using var response = await http.PostAsJsonAsync("/v1/compliance/check", lookup is null ? Request(number) : new
        {
            to = number, purpose = "transactional", template = "order-update", language = "en-US", lookup,
            variables = new Dictionary<string, string> { ["orderNumber"] = "A-1001", ["orderStatus"] = "shipped" },
        });
        if (!response.IsSuccessStatusCode) return Fail(response.StatusCode, await response.Content.ReadAsStringAsync());
        if (lookup != true) return true;
        var text = await response.Content.ReadAsStringAsync();
        return text.Contains("\"detail\":\"mobile (Loopback Wireless)", StringComparison.Ordinal)
            || Fail(response.StatusCode, text);
    }

    /// <summary>Issue 15's speed: dry-run checks with Lookup on and every answer cached against Lookup off ("lookup": false),
    /// alternating cells on the same server and numbers (A B A B); then the latency a miss adds (one Lookup round trip to
    /// the stand-in on loopback, and the group commit of its answer and audit event) against Lookup off, at concurrency 1,
    /// each on numbers not asked before.</summary>
    private async Task LookupPhaseAsync(HttpClient http)
    {
        var count = Math.Min(_lookupNumbers,
            _fresh.Length > 0 ? Math.Min(_fresh.Length, _numbers.Length / 2) : _numbers.Length / 3);
        var (cached, freshOff) = (_numbers[..count], _numbers[count..(2 * count)]);
        var freshOn = _fresh.Length > 0 ? _fresh[..count] : _numbers[(2 * count)..(3 * count)];
        var misses = await MeasureOnceEachAsync(http, "lookup misses (first check of each number), c=1", freshOn, true);
        var offFirst = await MeasureOnceEachAsync(http, "lookup off (first check of each number), c=1", freshOff, false);
        _rows.Add($"| dry-run check, Lookup miss vs off, c=1 | p50 {misses.P50:0.00} ms, p99 {misses.P99:0.00} ms | " +
                  $"{misses.P50 - offFirst.P50:+0.00;-0.00} ms | {misses.P99 - offFirst.P99:+0.00;-0.00} ms | " +
                  $"off: p50 {offFirst.P50:0.00} ms, p99 {offFirst.P99:0.00} ms | | | added by a miss |");
        // Prime the cache: every answer for these numbers is asked once here, then only read.
        foreach (var number in cached) await CheckAsync(http, number, true);
        foreach (var c in _concurrency)
        {
            var on = new List<Figures>();
            var off = new List<Figures>();
            for (var round = 0; round < 2; round++)
            {
                off.Add(await MeasureAsync($"dry-run checks, Lookup off, c={c}, round {round + 1}", c,
                    _ => CheckAsync(http, cached[Random.Shared.Next(cached.Length)], false)));
                on.Add(await MeasureAsync($"dry-run checks, Lookup on (all cached), c={c}, round {round + 1}", c,
                    _ => CheckAsync(http, cached[Random.Shared.Next(cached.Length)], true)));
            }
            var (onRate, offRate) = (on.Average(f => f.PerSecond), off.Average(f => f.PerSecond));
            _rows.Add($"| dry-run checks, Lookup on (cached) vs off, c={c} | {onRate:N0}/s | " +
                      $"{on.Average(f => f.P50):0.0} ms | " +
                      $"{on.Average(f => f.P99):0.0} ms | off: {offRate:N0}/s | {off.Average(f => f.P50):0.0} ms | " +
                      $"{off.Average(f => f.P99):0.0} ms | {onRate / offRate:0.00}x |");
        }
    }

    /// <summary>One dry run per number, one at a time: every request is the first for its number.</summary>
    private async Task<Figures> MeasureOnceEachAsync(HttpClient http, string name, string[] numbers, bool lookup)
    {
        var latencies = new List<double>();
        var cpuBefore = ServerCpuMs();
        var wall = Stopwatch.StartNew();
        foreach (var number in numbers)
        {
            var started = Stopwatch.GetTimestamp();
            if (await CheckAsync(http, number, lookup)) latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        var all = latencies.Order().ToArray();
        var figures = new Figures(all.Length / wall.Elapsed.TotalSeconds, Percentile(all, 0.50), Percentile(all, 0.99));
        Console.WriteLine($"{name}: {all.Length:N0} ok = {figures.PerSecond:N0}/s, p50 {figures.P50:0.00} ms, " +
                          $"p99 {figures.P99:0.00} ms, server CPU " +
                          $"{(ServerCpuMs() - cpuBefore) / Math.Max(1, all.Length) * 1000:0} µs a request");
        return figures;
    }

    private async Task<bool> StatusAsync(HttpClient http, List<(string Id, string Sid)> placed, long n, int sequence)
    {
        var (id, sid) = placed[(int)(n % placed.Count)];
        var path = $"/twilio/status/{id}";
        var form = new Dictionary<string, string>
        {
            ["AccountSid"] = AccountSid, ["CallSid"] = sid, ["CallStatus"] = "in-progress",
            ["SequenceNumber"] = sequence.ToString(CultureInfo.InvariantCulture),
            ["Timestamp"] = DateTimeOffset.UtcNow.ToString("R"),
            ["CallbackSource"] = "call-progress-events", ["ApiVersion"] = "2010-04-01",
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", Sign($"{PublicBaseUrl}{path}", form));
        request.Headers.Add("I-Twilio-Idempotency-Token", Guid.NewGuid().ToString());
        using var response = await http.SendAsync(request);
        return response.StatusCode == HttpStatusCode.NoContent
            || Fail(response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    // Live mode wants https: the address Twilio would call, behind a TLS proxy; requests go to the plain loopback port.
    private const string PublicBaseUrl = "https://voiceproxy.example.com";

    private static string Sign(string url, Dictionary<string, string> form)
    {
        var data = new StringBuilder(url);
        foreach (var (key, value) in form.OrderBy(f => f.Key, StringComparer.Ordinal)) data.Append(key).Append(value);
        // Twilio's protocol, not a choice: the signature is HMAC-SHA1.
#pragma warning disable CA5350
        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(AuthToken), Encoding.UTF8.GetBytes(data.ToString()));
#pragma warning restore CA5350
        return Convert.ToBase64String(mac);
    }

    private TwilioRestClient? _direct;

    /// <summary>The baseline: what an app would do without the gate, the same create-call request through the Twilio
    /// SDK.</summary>
    private async Task<bool> DirectAsync(string standIn)
    {
        _direct ??= new TwilioRestClient(AccountSid, AuthToken, httpClient: new SystemNetHttpClient(
            new HttpClient(new RewriteHandler(new Uri(standIn)) { InnerHandler = new SocketsHttpHandler() })));
        var to = _numbers[Random.Shared.Next(_numbers.Length)];
        var created = await CallResource.CreateAsync(new CreateCallOptions(new PhoneNumber(to), new PhoneNumber(CallerId))
        {
            Url = new Uri("http://127.0.0.1/twilio/voice/x"), StatusCallback = new Uri("http://127.0.0.1/twilio/status/x"),
            StatusCallbackEvent = ["initiated", "ringing", "answered", "completed"], MachineDetection = "DetectMessageEnd",
            Timeout = 30,
        }, _direct);
        return created.Sid is not null;
    }

    private int _failures;

    private bool Fail(HttpStatusCode status, string body)
    {
        if (Interlocked.Increment(ref _failures) <= 5)
            Console.WriteLine($"  unexpected {(int)status}: {body[..Math.Min(body.Length, 300)]}");
        return false;
    }

    private sealed record Figures(double PerSecond, double P50, double P99);

    /// <summary>c workers send back to back for the phase's duration (after a one-second warm-up at the same concurrency), or
    /// until max-requests; every latency is kept. A cell with a <paramref name="cell"/> name is one whose server-side fsyncs
    /// are reported. The line before each cell names the server's pid, for a profiler to attach to.</summary>
    private async Task<Figures> MeasureAsync(string name, int concurrency, Func<long, Task<bool>> send, string? cell = null)
    {
        long counter = 0;
        async Task<List<double>> Worker(TimeSpan duration, int limit)
        {
            var latencies = new List<double>();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration && Interlocked.Increment(ref counter) <= limit)
            {
                var started = Stopwatch.GetTimestamp();
                if (await send(counter)) latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            return latencies;
        }
        Console.WriteLine($"cell starts: {name} ({_phase.TotalSeconds:0} s after 1 s of warm-up; " +
                          $"server pid {_server?.ServerPid})");
        await Task.WhenAll(Enumerable.Range(0, concurrency)
            .Select(_ => Task.Run(() => Worker(TimeSpan.FromSeconds(1), _maxRequests / 10))));
        counter = 0;
        var failuresBefore = _failures;
        var from = FsyncTrace.Now();
        var cpuBefore = ServerCpuMs();
        var wall = Stopwatch.StartNew();
        var all = (await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(() => Worker(_phase, _maxRequests)))))
            .SelectMany(l => l).Order().ToArray();
        var seconds = wall.Elapsed.TotalSeconds;
        var cpuPerRequest = (ServerCpuMs() - cpuBefore) / Math.Max(1, all.Length);
        if (cell is not null)
            _cells.Add((cell, new FsyncTrace.Window(from, FsyncTrace.Now()), all.Length + _failures - failuresBefore));
        var figures = new Figures(all.Length / seconds, Percentile(all, 0.50), Percentile(all, 0.99));
        Console.WriteLine($"{name}: {all.Length:N0} ok in {seconds:0.0} s = {figures.PerSecond:N0}/s, " +
                          $"p50 {figures.P50:0.00} ms, p99 {figures.P99:0.00} ms, " +
                          (_server is null ? "" : $"server CPU {cpuPerRequest * 1000:0} µs a request") +
                          (_failures > failuresBefore ? $", {_failures - failuresBefore} failed" : ""));
        return figures;
    }

    /// <summary>The server's user + system CPU time: per request, a figure that other load on the machine moves far less than
    /// it moves throughput.</summary>
    private double ServerCpuMs() => _server is null ? 0 : ProcCpu.ProcessMs(_server.ServerPid);

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class RewriteHandler(Uri target) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            request.RequestUri = new UriBuilder(request.RequestUri!)
            {
                Scheme = target.Scheme, Host = target.Host, Port = target.Port,
            }.Uri;
            return base.SendAsync(request, ct);
        }
    }
}

/// <summary>Twilio's create-call endpoint on loopback, answering 201 with a new SID as fast as Kestrel can: the floor both the
/// gate and the baseline stand on.</summary>
internal sealed class TwilioStandIn(WebApplication app, string baseUrl) : IAsyncDisposable
{
    public string BaseUrl => baseUrl;

    public static async Task<TwilioStandIn> StartAsync()
    {
        var port = EndToEnd.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        // Lookup v2's answer for any number: a mobile, not reassigned since the date asked about.
        app.MapGet("/v2/PhoneNumbers/{phone}", (string phone, string? lastVerifiedDate) => Results.Text($$"""
            {"phone_number":"{{phone}}","valid":true,"country_code":"US",
             "line_type_intelligence":{"type":"mobile","carrier_name":"Loopback Wireless","error_code":null},
             "reassigned_number":{{(lastVerifiedDate is null ? "null"
                : $$"""{"last_verified_date":"{{lastVerifiedDate}}","is_number_reassigned":"no","error_code":null}""")}}}
            """, "application/json", Encoding.UTF8));
        app.MapPost("/2010-04-01/Accounts/{account}/Calls.json", async (string account, HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            var sid = "CA" + Guid.NewGuid().ToString("N");
            return Results.Text($$"""
                {"sid":"{{sid}}","account_sid":"{{account}}","to":"{{form["To"]}}","from":"{{form["From"]}}","status":"queued",
                "direction":"outbound-api","api_version":"2010-04-01"}
                """, "application/json", Encoding.UTF8, StatusCodes.Status201Created);
        });
        await app.StartAsync();
        return new TwilioStandIn(app, $"http://127.0.0.1:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>How the server is run: its environment (Production unless the clock must be shifted, see
/// <see cref="CallingClock"/>), optionally under strace to count fsyncs, optionally with its output kept in a file.</summary>
internal sealed record ServerOptions(string Environment = "Production", FsyncTrace? Fsyncs = null, string? LogFile = null);

/// <summary>The Release server as a process; <see cref="ReadyAfter"/> is from process start to the first 200 on /health/ready.
/// Under strace the process started is strace, and <see cref="ServerPid"/> is the server's own.</summary>
internal sealed class ServerProcess(Process process, TimeSpan readyAfter, bool traced, TextWriter? log) : IDisposable
{
    public TimeSpan ReadyAfter => readyAfter;

    public int ServerPid => traced ? TracedChild() ?? process.Id : process.Id;

    public static Task<ServerProcess> StartAsync(string[] args, HttpClient http) => StartAsync(args, http, new ServerOptions());

    public static async Task<ServerProcess> StartAsync(string[] args, HttpClient http, ServerOptions options)
    {
        var dll = ServerDll();
        var info = new ProcessStartInfo(options.Fsyncs is null ? "dotnet" : "strace")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        // Set, not inherited: a developer's shell may say Development, which serves other endpoints.
        info.Environment["ASPNETCORE_ENVIRONMENT"] = options.Environment;
        info.Environment["DOTNET_ENVIRONMENT"] = options.Environment;
        if (options.Fsyncs is { } fsyncs)
        {
            foreach (var a in fsyncs.Prefix) info.ArgumentList.Add(a);
            info.ArgumentList.Add("dotnet");
        }
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        var log = options.LogFile is null ? null : TextWriter.Synchronized(new StreamWriter(options.LogFile, append: true));
        var started = Stopwatch.StartNew();
        var process = Process.Start(info)!;
        var errors = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line) return;
            log?.WriteLine(line);
            if (line.Contains("ERR", StringComparison.Ordinal)) lock (errors) errors.AppendLine(line);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not { } line) return;
            log?.WriteLine(line);
            lock (errors) errors.AppendLine(line);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        while (started.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (process.HasExited) throw new InvalidOperationException($"The server exited with {process.ExitCode}: {errors}");
            try
            {
                using var response = await http.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode)
                    return new ServerProcess(process, started.Elapsed, options.Fsyncs is not null, log);
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(10);
        }
        process.Kill(entireProcessTree: true);
        throw new TimeoutException($"The server was not ready within two minutes: {errors}");
    }

    public double PeakMb() => File.ReadLines($"/proc/{ServerPid}/status")
        .Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
        .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0)
        .SingleOrDefault();

    public void Dispose()
    {
        // Under strace, end the server first so strace sees it exit, writes out what it holds and exits by itself.
        if (traced && TracedChild() is { } child)
        {
            try
            {
                using var server = Process.GetProcessById(child);
                server.Kill();
            }
            catch (ArgumentException) { } // already gone
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        process.Dispose();
        log?.Dispose();
    }

    private int? TracedChild()
    {
        var children = $"/proc/{process.Id}/task/{process.Id}/children";
        return File.Exists(children)
            && File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var first, ..]
            ? int.Parse(first, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>The Release server beside this benchmark, found from the repository root, or the one VOICEPROXY_SERVER_DLL
    /// names (another build, for an A/B comparison on the same machine).</summary>
    private static string ServerDll()
    {
        if (Environment.GetEnvironmentVariable("VOICEPROXY_SERVER_DLL") is { Length: > 0 } other) return other;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "VoiceProxy.sln"))) dir = dir.Parent;
        var dll = dir is null ? null
            : Path.Combine(dir.FullName, "src", "VoiceProxy", "bin", "Release", "net10.0", "VoiceProxy.dll");
        return dll is not null && File.Exists(dll) ? dll
            : throw new FileNotFoundException("Build src/VoiceProxy in Release first (dotnet build -c Release src/VoiceProxy).");
    }
}
