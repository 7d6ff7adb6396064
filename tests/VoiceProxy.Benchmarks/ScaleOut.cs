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
/// (tests/postgres-up.sh prints such a string). Runs at any hour: the area codes and the server's clock come from
/// <see cref="CallingClock"/> (<c>--clock-offset-hours H</c> forces a shifted clock). Credentials and numbers here are
/// made up.
/// </summary>
internal sealed class ScaleOut(Dictionary<string, string> o)
{
    private const string Key = "benchmark-acme-caller-key-0001";
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string AuthToken = "made-up-benchmark-auth-token";

    private readonly TimeSpan _phase =
        TimeSpan.FromSeconds(int.Parse(o.GetValueOrDefault("seconds", "10"), CultureInfo.InvariantCulture));
    private readonly int _concurrency = int.Parse(o.GetValueOrDefault("concurrency", "16"), CultureInfo.InvariantCulture);
    private readonly int _numbers = int.Parse(o.GetValueOrDefault("numbers", "2000"), CultureInfo.InvariantCulture);
    private readonly string _server = o.TryGetValue("postgres", out var s) ? s
        : Environment.GetEnvironmentVariable("VOICEPROXY_TEST_POSTGRES")
          ?? throw new InvalidOperationException("scaleout needs --postgres CONNECTION (or VOICEPROXY_TEST_POSTGRES).");
    private readonly CallingClock _clock = CallingClock.Choose(DateTimeOffset.UtcNow,
        o.TryGetValue("clock-offset-hours", out var offset) ? double.Parse(offset, CultureInfo.InvariantCulture) : null);

    public async Task RunAsync()
    {
        var work = Directory.CreateTempSubdirectory("voiceproxy-scaleout-").FullName;
        Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}; concurrency {_concurrency}, " +
                          $"{_phase.TotalSeconds:0} s per scenario");
        Console.WriteLine($"calling hours: {_clock.Describe()}");
        await using var standIn = await TwilioStandIn.StartAsync();
        var rows = new List<string>();
        try
        {
            var sqlite = $"Data Source={Path.Combine(work, "voiceproxy.db")}";
            rows.Add(await ScenarioAsync("SQLite, one instance", 1, sqlite, null, work, standIn));
            foreach (var instances in new[] { 1, 2 })
            {
                var name = $"voiceproxy_bench_{Guid.NewGuid():N}";
                Execute($"CREATE DATABASE \"{name}\"");
                try
                {
                    var connection = new NpgsqlConnectionStringBuilder(_server) { Database = name, MaxPoolSize = 50 }
                        .ConnectionString;
                    var label = $"PostgreSQL, {instances} instance{(instances > 1 ? "s" : "")}";
                    rows.Add(await ScenarioAsync(label, instances, connection, "Postgres", work, standIn));
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

    private async Task<string> ScenarioAsync(
        string label, int instances, string connection, string? provider, string work, TwilioStandIn standIn)
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
                var http = new HttpClient
                {
                    BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30),
                };
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
                clients.Add(http);
                starting.Add(ServerProcess.StartAsync(Args(port, connection, provider, registry, standIn), http,
                    new ServerOptions(_clock.Environment)));
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
                    if (response.StatusCode == HttpStatusCode.Created)
                        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    else if (Interlocked.Increment(ref failures) <= 3)
                        Console.WriteLine($"  unexpected {(int)response.StatusCode}: " +
                                          await response.Content.ReadAsStringAsync());
                }
                return latencies;
            }
            Task<List<double>[]> Workers(TimeSpan duration) => Task.WhenAll(Enumerable.Range(0, _concurrency)
                .Select(w => Task.Run(() => Worker(clients[w % instances], duration))));
            await Workers(TimeSpan.FromSeconds(2));
            var wall = Stopwatch.StartNew();
            var all = (await Workers(_phase)).SelectMany(l => l).Order().ToArray();
            var perSecond = all.Length / wall.Elapsed.TotalSeconds;
            double P(double p) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)(p * all.Length))];
            Console.WriteLine($"{label}: {all.Length:N0} placed in {wall.Elapsed.TotalSeconds:0.0} s = {perSecond:N0}/s, " +
                              $"p50 {P(0.5):0.0} ms, p99 {P(0.99):0.0} ms, {failures} not 201");
            return $"| {label} | {perSecond:N0} | {P(0.5):0.0} ms | {P(0.99):0.0} ms |";
        }
        finally
        {
            foreach (var server in servers) server.Dispose();
            foreach (var http in clients) http.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    /// <summary>Consent for the numbers of the area codes the clock chose, once the service itself has allowed a dry run to
    /// each.</summary>
    private async Task<string[]> ConsentedNumbersAsync(HttpClient http)
    {
        string Number(int area, int i) =>
            string.Create(CultureInfo.InvariantCulture, $"+1{area}{CallingClock.FirstLine(area, dnc: false) + i:D7}");
        object Consent(string phone) => new { phone, scope = "transactional", kind = "express", source = "benchmark" };
        var open = new List<int>();
        foreach (var area in _clock.Areas)
        {
            var probe = Number(area, _numbers); // past the numbers the load calls
            using (await http.PostAsJsonAsync("/v1/consents", Consent(probe))) { }
            using var response = await http.PostAsJsonAsync("/v1/compliance/check", Request(probe));
            var decision = await response.Content.ReadFromJsonAsync<JsonNode>();
            if ((bool?)decision?["allowed"] == true) open.Add(area);
            else Console.WriteLine($"  area {area} left out: {(decision?["reasons"] ?? decision)?.ToJsonString()}");
        }
        Console.WriteLine($"  area codes inside calling hours: {string.Join(", ", open)}");
        if (open.Count == 0) throw new InvalidOperationException("The service allowed no area code the clock chose.");
        var numbers = Enumerable.Range(0, _numbers).Select(i => Number(open[i % open.Count], i)).ToArray();
        await Parallel.ForEachAsync(numbers, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (phone, ct) =>
        {
            using var response = await http.PostAsJsonAsync("/v1/consents", Consent(phone), ct);
            if (response.StatusCode != HttpStatusCode.Created)
                throw new InvalidOperationException(
                    $"consent: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        });
        return numbers;
    }

    private static object Request(string to) => new
    {
        to, purpose = "transactional", template = "order-update", language = "en-US",
        variables = new Dictionary<string, string> { ["orderNumber"] = "A-1001", ["orderStatus"] = "shipped" },
    };

    private string[] Args(int port, string connection, string? provider, string registry, TwilioStandIn standIn) =>
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
        .. _clock.Args,
    ];

    private void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(_server);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
