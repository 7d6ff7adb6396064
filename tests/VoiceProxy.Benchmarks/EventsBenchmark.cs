using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Benchmarks;

/// <summary>
/// The events' cost, in one run on this machine. (1) Placed calls per second through a server with no subscription against
/// one with two (one receiver that answers at once, one that never answers), cells alternating A, B, A, B at the same
/// concurrency, each server with its own SQLite file: the call path must not notice the events (target at least 0.9x).
/// (2) The dispatcher's throughput: a server started over an outbox already holding <c>--events</c> pending events for one
/// subscription to a loopback receiver that answers 200 at once, timed until the receiver has them all and until the store
/// records them all delivered (target at least 2,000 events/s).
/// </summary>
internal sealed class EventsBenchmark(Dictionary<string, string> o)
{
    private const string Key = "benchmark-acme-caller-key-0001";
    private const string Secret = "whsec_bWFkZS11cC1iZW5jaG1hcmstd2ViaG9vay1zZWNyZXQ=";
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private readonly TimeSpan _cell = TimeSpan.FromSeconds(int.Parse(o.GetValueOrDefault("seconds", "5"),
        CultureInfo.InvariantCulture));
    private readonly int _concurrency = int.Parse(o.GetValueOrDefault("concurrency", "16"), CultureInfo.InvariantCulture);
    private readonly int _events = int.Parse(o.GetValueOrDefault("events", "20000"), CultureInfo.InvariantCulture);
    private readonly int _rounds = int.Parse(o.GetValueOrDefault("rounds", "2"), CultureInfo.InvariantCulture);

    public async Task RunAsync()
    {
        var work = Path.GetFullPath(o.GetValueOrDefault("work", Path.Combine(Path.GetTempPath(), "voiceproxy-events")));
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);
        var clock = CallingClock.Choose(DateTimeOffset.UtcNow, o.TryGetValue("clock-offset-hours", out var offset)
            ? double.Parse(offset, CultureInfo.InvariantCulture) : null);
        Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}; {clock.Describe()}");
        await using var twilio = await TwilioStandIn.StartAsync();
        await using var fast = await Receiver.StartAsync(hang: false);
        await using var dead = await Receiver.StartAsync(hang: true);

        // (1) Placed calls: none against two subscriptions.
        var none = await Server.StartAsync(work, "none", clock, twilio, []);
        var two = await Server.StartAsync(work, "two", clock, twilio, [fast.Url + "/fast", dead.Url + "/dead"]);
        using (none)
        using (two)
        {
            var numbers = clock.Areas.SelectMany(area => Enumerable.Range(0, 400 / clock.Areas.Count + 1)
                .Select(i => string.Create(CultureInfo.InvariantCulture,
                    $"+1{area}{CallingClock.FirstLine(area, false) + i:D7}")))
                .ToArray();
            await Task.WhenAll(none.GrantAsync(numbers), two.GrantAsync(numbers));
            var results = new Dictionary<string, List<(double PerSecond, double CpuMicros, double P99)>>
            {
                ["none"] = [], ["two"] = [],
            };
            for (var round = 0; round < _rounds; round++)
                foreach (var server in new[] { none, two })
                {
                    var cell = await server.MeasureAsync(numbers, _concurrency, _cell);
                    results[server.Name].Add(cell);
                    Console.WriteLine($"placed calls, {server.Name,-4} subscriptions, c={_concurrency}: {cell.PerSecond:N0}/s, " +
                                      $"p99 {cell.P99:0.0} ms, server CPU {cell.CpuMicros:0} µs a call");
                }
            double Mean(string name, Func<(double PerSecond, double CpuMicros, double P99), double> f) =>
                results[name].Average(f);
            Console.WriteLine($"placed calls/s with two subscriptions against none: " +
                              $"{Mean("two", r => r.PerSecond) / Mean("none", r => r.PerSecond):0.00}x " +
                              $"({Mean("two", r => r.PerSecond):N0}/s against {Mean("none", r => r.PerSecond):N0}/s); " +
                              $"server CPU a call {Mean("two", r => r.CpuMicros):0} µs against " +
                              $"{Mean("none", r => r.CpuMicros):0} µs");
            Console.WriteLine($"meanwhile the fast receiver got {fast.Count:N0} events; " +
                              $"the one that never answers holds {dead.Count:N0} requests open");
        }

        // (2) Dispatcher throughput over a full outbox.
        var url = fast.Url + "/throughput";
        var subscription = new WebhookSubscriptionOptions { Url = url }.IdFor("acme");
        var db = Server.Database(work, "dispatch");
        using (await Server.StartAsync(work, "dispatch", clock, twilio, [url])) { }
        Seed(db, subscription, _events);
        fast.Reset();
        var started = Stopwatch.StartNew();
        using var dispatch = await Server.StartAsync(work, "dispatch", clock, twilio, [url]);
        var ready = started.Elapsed;
        var cpuAtReady = ProcCpu.ProcessMs(dispatch.Pid);
        while (fast.Count < _events && started.Elapsed < TimeSpan.FromMinutes(5)) await Task.Delay(5);
        var received = started.Elapsed - ready;
        while (Pending(db) > 0 && started.Elapsed < TimeSpan.FromMinutes(5)) await Task.Delay(20);
        var recorded = started.Elapsed - ready;
        var cpu = ProcCpu.ProcessMs(dispatch.Pid) - cpuAtReady;
        Console.WriteLine($"dispatcher: {_events:N0} events to a loopback receiver, from ready: all received in " +
                          $"{received.TotalSeconds:0.00} s = {_events / received.TotalSeconds:N0} events/s; all recorded " +
                          $"delivered in {recorded.TotalSeconds:0.00} s = {_events / recorded.TotalSeconds:N0} events/s; " +
                          $"server CPU {cpu * 1000 / _events:0} µs an event");
    }

    private static void Seed(string database, string subscription, int count)
    {
        using var connection = new SqliteConnection($"Data Source={database}");
        connection.Open();
        using var tx = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO event_deliveries (EventId, Seller, Type, Subscription, CreatedAt, Body, Status, " +
                             "Attempts, NextAttemptAt, AttemptsJson) VALUES ($id, 'acme', 'dnc.added', $sub, $at, $body, " +
                             "'pending', 0, $at, '[]')";
        var (id, at, body) = (insert.Parameters.Add("$id", SqliteType.Text), insert.Parameters.Add("$at", SqliteType.Integer),
            insert.Parameters.Add("$body", SqliteType.Text));
        insert.Parameters.AddWithValue("$sub", subscription);
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < count; i++)
        {
            var eventId = "evt_" + Guid.CreateVersion7(now).ToString("N");
            (id.Value, at.Value) = (eventId, now.UtcTicks);
            body.Value = JsonSerializer.Serialize(new
            {
                id = eventId, type = "dnc.added", createdAt = now, seller = "acme",
                data = new { phone = $"+1415555{i % 10000:D4}", channel = "api", addedAt = now },
            }, JsonSerializerOptions.Web);
            insert.ExecuteNonQuery();
        }
        tx.Commit();
    }

    private static long Pending(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM event_deliveries WHERE Status = 'pending'";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>A server with its own store and its subscriptions for Acme.</summary>
    private sealed class Server(string name, ServerProcess process, HttpClient http) : IDisposable
    {
        private int _next;
        public string Name => name;
        public int Pid => process.ServerPid;

        public static string Database(string work, string name) => Path.Combine(work, $"{name}.db");

        public static async Task<Server> StartAsync(
            string work, string name, CallingClock clock, TwilioStandIn twilio, string[] subscriptions)
        {
            var port = EndToEnd.FreePort();
            var registry = Path.Combine(work, "registry");
            Directory.CreateDirectory(registry);
            List<string> args =
            [
                "--urls", $"http://127.0.0.1:{port}", "--ConnectionStrings:VoiceProxy", $"Data Source={Database(work, name)}",
                "--VoiceProxy:PublicBaseUrl", "https://voiceproxy.example.com", "--VoiceProxy:Registry:Path", registry,
                "--VoiceProxy:Privacy:PseudonymKey", "bWFkZS11cC1iZW5jaG1hcmstcHNldWRvbnltLWtleQ==",
                "--VoiceProxy:Sellers:0:Id", "acme", "--VoiceProxy:Sellers:0:LegalName", "Acme Outdoor Supply",
                "--VoiceProxy:Sellers:0:CallbackNumber", "+18005550199", "--VoiceProxy:Sellers:0:CallerIds:0", "+14155550100",
                "--VoiceProxy:ApiKeys:0:Name", "bench-app", "--VoiceProxy:ApiKeys:0:Key", Key,
                "--VoiceProxy:ApiKeys:0:Role", "Caller", "--VoiceProxy:ApiKeys:0:Seller", "acme",
                "--VoiceProxy:Audit:Key", "YmVuY2htYXJrLW1hZGUtdXAtYXVkaXQta2V5LTAwMDE=",
                "--VoiceProxy:Limits:PermitsPerSecond", "100000", "--VoiceProxy:Limits:Burst", "100000",
                "--VoiceProxy:Caps:TransactionalMaxCalls", "100",
                "--Twilio:AccountSid", AccountSid, "--Twilio:AuthToken", "made-up-benchmark-auth-token",
                "--Twilio:ApiBaseUrl", twilio.BaseUrl, "--Serilog:MinimumLevel:Default", "Warning", .. clock.Args,
            ];
            for (var i = 0; i < subscriptions.Length; i++)
                args.AddRange([$"--VoiceProxy:Sellers:0:Webhooks:{i}:Url", subscriptions[i],
                    $"--VoiceProxy:Sellers:0:Webhooks:{i}:Secret", Secret]);
            var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
            {
                BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30),
            };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
            // Testing (the shifted clock) allows http subscriptions to loopback; Production asks for https.
            var process = await ServerProcess.StartAsync([.. args], http, new ServerOptions("Testing"));
            return new Server(name, process, http);
        }

        public async Task GrantAsync(string[] numbers)
        {
            foreach (var chunk in numbers.Chunk(16))
                await Task.WhenAll(chunk.Select(async phone =>
                {
                    using var response = await http.PostAsJsonAsync("/v1/consents",
                        new { phone, scope = "transactional", kind = "express" });
                    if (response.StatusCode != HttpStatusCode.Created)
                        throw new InvalidOperationException($"consent for {phone}: {response.StatusCode}");
                }));
        }

        /// <summary>One cell: a second of warm-up, then <paramref name="duration"/> of back-to-back placed calls.</summary>
        public async Task<(double PerSecond, double CpuMicros, double P99)> MeasureAsync(
            string[] numbers, int concurrency, TimeSpan duration)
        {
            async Task<List<double>> Worker(TimeSpan length)
            {
                var latencies = new List<double>();
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed < length)
                {
                    var to = numbers[Interlocked.Increment(ref _next) % numbers.Length];
                    var started = Stopwatch.GetTimestamp();
                    using var response = await http.PostAsJsonAsync("/v1/calls", new
                    {
                        to, purpose = "transactional", template = "order-update", language = "en-US",
                        variables = new Dictionary<string, string> { ["orderNumber"] = "A-1001", ["orderStatus"] = "shipped" },
                    });
                    if (response.StatusCode != HttpStatusCode.Created)
                        throw new InvalidOperationException(
                            $"{name}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                return latencies;
            }
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(() => Worker(TimeSpan.FromSeconds(1)))));
            var cpu = ProcCpu.ProcessMs(Pid);
            var wall = Stopwatch.StartNew();
            var all = (await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(() => Worker(duration)))))
                .SelectMany(l => l).Order().ToArray();
            var seconds = wall.Elapsed.TotalSeconds;
            return (all.Length / seconds, (ProcCpu.ProcessMs(Pid) - cpu) * 1000 / all.Length,
                all[Math.Min(all.Length - 1, (int)(0.99 * all.Length))]);
        }

        public void Dispose()
        {
            process.Dispose();
            http.Dispose();
        }
    }

    /// <summary>A seller's app on loopback that answers 200 at once and counts, or holds every request open.</summary>
    private sealed class Receiver(WebApplication app, string url) : IAsyncDisposable
    {
        private int _count;
        public string Url => url;
        public int Count => Volatile.Read(ref _count);
        public void Reset() => Interlocked.Exchange(ref _count, 0);

        public static async Task<Receiver> StartAsync(bool hang)
        {
            var port = EndToEnd.FreePort();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            var app = builder.Build();
            var receiver = new Receiver(app, $"http://127.0.0.1:{port}");
            app.Run(async http =>
            {
                Interlocked.Increment(ref receiver._count);
                if (hang) await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                http.Response.StatusCode = StatusCodes.Status200OK;
            });
            await app.StartAsync();
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
