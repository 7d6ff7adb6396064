using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace VoiceProxy.Benchmarks;

/// <summary>
/// Placed calls per second, in one run: one instance on SQLite, one on PostgreSQL, two on one PostgreSQL database (workers
/// alternate between them, as a round-robin balancer would). Each scenario gets a fresh store, the Release server as its own
/// process(es), the Twilio stand-in of <see cref="EndToEnd"/>, and the same consented numbers; every placed call is a 201.
/// Run: <c>scaleout --postgres "Host=127.0.0.1;Username=…;Password=…;Database=postgres" [--seconds 10] [--concurrency 16]</c>
/// (tests/postgres-up.sh prints such a string). Credentials and numbers here are made up.
/// </summary>
internal sealed class ScaleOut(Dictionary<string, string> o)
{
    private const string Key = "benchmark-acme-caller-key-0001";
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string AuthToken = "made-up-benchmark-auth-token";
    private static readonly int[] Areas = [212, 415, 312, 206, 303, 602, 305, 617, 214, 404, 808, 907, 671, 787];

    private readonly TimeSpan _phase = TimeSpan.FromSeconds(int.Parse(o.GetValueOrDefault("seconds", "10"), CultureInfo.InvariantCulture));
    private readonly int _concurrency = int.Parse(o.GetValueOrDefault("concurrency", "16"), CultureInfo.InvariantCulture);
    private readonly int _numbers = int.Parse(o.GetValueOrDefault("numbers", "2000"), CultureInfo.InvariantCulture);
    private readonly string _server = o.TryGetValue("postgres", out var s) ? s
        : Environment.GetEnvironmentVariable("VOICEPROXY_TEST_POSTGRES") ?? throw new InvalidOperationException("scaleout needs --postgres CONNECTION (or VOICEPROXY_TEST_POSTGRES).");

    public async Task RunAsync()
    {
        var work = Directory.CreateTempSubdirectory("voiceproxy-scaleout-").FullName;
        Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}; concurrency {_concurrency}, {_phase.TotalSeconds:0} s per scenario");
        await using var standIn = await TwilioStandIn.StartAsync();
        var rows = new List<string>();
        try
        {
            rows.Add(await ScenarioAsync("SQLite, one instance", 1, $"Data Source={Path.Combine(work, "voiceproxy.db")}", null, work, standIn));
            foreach (var instances in new[] { 1, 2 })
            {
                var name = $"voiceproxy_bench_{Guid.NewGuid():N}";
                Execute($"CREATE DATABASE \"{name}\"");
                try
                {
                    var connection = new NpgsqlConnectionStringBuilder(_server) { Database = name, MaxPoolSize = 50 }.ConnectionString;
                    rows.Add(await ScenarioAsync($"PostgreSQL, {instances} instance{(instances > 1 ? "s" : "")}", instances, connection, "Postgres", work, standIn));
                }
                finally
                {
                    NpgsqlConnection.ClearAllPools();
                    Execute($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                }
            }
        }
        finally { Directory.Delete(work, recursive: true); }
        Console.WriteLine();
        Console.WriteLine("| store | placed calls/s | p50 | p99 |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var row in rows) Console.WriteLine(row);
    }

    private async Task<string> ScenarioAsync(string label, int instances, string connection, string? provider, string work, TwilioStandIn standIn)
    {
        var registry = Path.Combine(work, "registry");
        Directory.CreateDirectory(registry);
        var servers = new List<ServerProcess>();
        var clients = new List<HttpClient>();
        try
        {
            // Started together, as a deployment would: on PostgreSQL both migrate, one after the other under EF's lock.
            var starting = new List<Task<ServerProcess>>();
            for (var i = 0; i < instances; i++)
            {
                var port = EndToEnd.FreePort();
                var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
                clients.Add(http);
                starting.Add(ServerProcess.StartAsync(Args(port, connection, provider, registry, standIn), http));
            }
            servers.AddRange(await Task.WhenAll(starting));

            var numbers = await ConsentedNumbersAsync(clients[0]);
            long next = -1, failures = 0;
            async Task<List<double>> Worker(HttpClient http, TimeSpan duration)
            {
                var latencies = new List<double>();
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed < duration)
                {
                    var to = numbers[(int)(Interlocked.Increment(ref next) % numbers.Length)];
                    var started = Stopwatch.GetTimestamp();
                    using var response = await http.PostAsJsonAsync("/v1/calls", Request(to));
                    if (response.StatusCode == HttpStatusCode.Created) latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    else if (Interlocked.Increment(ref failures) <= 3) Console.WriteLine($"  unexpected {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
                return latencies;
            }
            await Task.WhenAll(Enumerable.Range(0, _concurrency).Select(w => Task.Run(() => Worker(clients[w % instances], TimeSpan.FromSeconds(2)))));
            var wall = Stopwatch.StartNew();
            var all = (await Task.WhenAll(Enumerable.Range(0, _concurrency).Select(w => Task.Run(() => Worker(clients[w % instances], _phase)))))
                .SelectMany(l => l).Order().ToArray();
            var perSecond = all.Length / wall.Elapsed.TotalSeconds;
            double P(double p) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)(p * all.Length))];
            Console.WriteLine($"{label}: {all.Length:N0} placed in {wall.Elapsed.TotalSeconds:0.0} s = {perSecond:N0}/s, p50 {P(0.5):0.0} ms, p99 {P(0.99):0.0} ms, {failures} not 201");
            return $"| {label} | {perSecond:N0} | {P(0.5):0.0} ms | {P(0.99):0.0} ms |";
        }
        finally
        {
            foreach (var server in servers) server.Dispose();
            foreach (var http in clients) http.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    /// <summary>Consent for the numbers of the area codes inside calling hours now (asked of the service by a dry run).</summary>
    private async Task<string[]> ConsentedNumbersAsync(HttpClient http)
    {
        var open = new List<int>();
        foreach (var area in Areas)
        {
            var probe = $"+1{area}2999999";
            using (await http.PostAsJsonAsync("/v1/consents", new { phone = probe, scope = "transactional", kind = "express", source = "benchmark" })) { }
            var decision = await (await http.PostAsJsonAsync("/v1/compliance/check", Request(probe))).Content.ReadFromJsonAsync<JsonNode>();
            if ((bool?)decision?["allowed"] == true) open.Add(area);
        }
        Console.WriteLine($"  area codes inside calling hours: {string.Join(", ", open)}");
        if (open.Count == 0) throw new InvalidOperationException("No area code is inside calling hours now.");
        var numbers = Enumerable.Range(0, _numbers).Select(i => string.Create(CultureInfo.InvariantCulture, $"+1{open[i % open.Count]}{2_000_000 + i:D7}")).ToArray();
        await Parallel.ForEachAsync(numbers, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (phone, ct) =>
        {
            using var response = await http.PostAsJsonAsync("/v1/consents", new { phone, scope = "transactional", kind = "express", source = "benchmark" }, ct);
            if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"consent: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        });
        return numbers;
    }

    private static object Request(string to) => new
    {
        to, purpose = "transactional", template = "order-update", language = "en-US",
        variables = new Dictionary<string, string> { ["orderNumber"] = "A-1001", ["orderStatus"] = "shipped" },
    };

    private static string[] Args(int port, string connection, string? provider, string registry, TwilioStandIn standIn) =>
    [
        "--urls", $"http://127.0.0.1:{port}", "--ConnectionStrings:VoiceProxy", connection,
        "--VoiceProxy:Database:Provider", provider ?? "Sqlite",
        "--VoiceProxy:PublicBaseUrl", "https://voiceproxy.example.com", "--VoiceProxy:Registry:Path", registry,
        "--VoiceProxy:Sellers:0:Id", "acme", "--VoiceProxy:Sellers:0:LegalName", "Acme Outdoor Supply",
        "--VoiceProxy:Sellers:0:CallbackNumber", "+18005550199", "--VoiceProxy:Sellers:0:CallerIds:0", "+14155550100",
        "--VoiceProxy:ApiKeys:0:Name", "bench-app", "--VoiceProxy:ApiKeys:0:Key", Key, "--VoiceProxy:ApiKeys:0:Role", "Caller",
        "--VoiceProxy:ApiKeys:0:Seller", "acme",
        "--VoiceProxy:Limits:PermitsPerSecond", "100000", "--VoiceProxy:Limits:Burst", "100000",
        // Numbers repeat every --numbers calls; the cap must not be what is measured.
        "--VoiceProxy:Caps:TransactionalMaxCalls", "100",
        "--Twilio:AccountSid", AccountSid, "--Twilio:AuthToken", AuthToken, "--Twilio:ApiBaseUrl", standIn.BaseUrl,
        "--Serilog:MinimumLevel:Default", "Warning",
    ];

    private void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(_server);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
