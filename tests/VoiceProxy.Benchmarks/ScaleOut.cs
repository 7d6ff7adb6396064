using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
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
/// Beside calls/s and latency, each scenario reports what a capacity model needs, measured over the same seconds: CPU per
/// placed call of the server process(es), of PostgreSQL's processes and of this process (driver and Twilio stand-in), from
/// /proc; and PostgreSQL's commits per placed call, from pg_stat_database. After the table, a model of N instances on N
/// machines built from those costs.
/// </summary>
internal sealed class ScaleOut(Dictionary<string, string> o)
{
    private const string Key = "benchmark-acme-caller-key-0001";
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string AuthToken = "made-up-benchmark-auth-token";
    private static readonly int[] ModelSizes = [1, 2, 4, 8]; // instances the model is printed for

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
        var rows = new List<Row>();
        try
        {
            var sqlite = $"Data Source={Path.Combine(work, "voiceproxy.db")}";
            rows.Add(await ScenarioAsync("SQLite, one instance", 1, sqlite, null, null, work, standIn));
            foreach (var instances in new[] { 1, 2 })
            {
                var name = $"voiceproxy_bench_{Guid.NewGuid():N}";
                Execute($"CREATE DATABASE \"{name}\"");
                try
                {
                    var connection = new NpgsqlConnectionStringBuilder(_server) { Database = name, MaxPoolSize = 50 }
                        .ConnectionString;
                    var label = $"PostgreSQL, {instances} instance{(instances > 1 ? "s" : "")}";
                    rows.Add(await ScenarioAsync(label, instances, connection, "Postgres", name, work, standIn));
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
        Console.WriteLine("| store | placed calls/s | p50 | p99 | server CPU/call | database CPU/call | commits/call | " +
                          "driver + stand-in CPU/call |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var row in rows) Console.WriteLine(row.Markdown());
        Console.WriteLine();
        if (rows.Find(r => r is { Instances: 1, DatabaseMs: not null }) is { PerSecond: > 0 } one
            && rows.Find(r => r is { Instances: 2, DatabaseMs: not null }) is { } two)
            Console.WriteLine($"PostgreSQL, two instances against one on this box: {two.PerSecond / one.PerSecond:0.00}x");
        Model(rows);
    }

    /// <summary>One scenario's figures; CPU and commits are per placed call, over the measured seconds.</summary>
    private sealed record Row(string Label, int Instances, int Calls, double Seconds, double PerSecond, double P50,
        double P99, double ServerMs, double? DatabaseMs, double? Commits, double DriverMs, double OtherCores)
    {
        public string Markdown() =>
            $"| {Label} | {PerSecond:N0} | {P50:0.0} ms | {P99:0.0} ms | {ServerMs:0.00} ms | " +
            $"{(DatabaseMs is { } d ? $"{d:0.00} ms" : "-")} | {(Commits is { } c ? $"{c:0.00}" : "-")} | {DriverMs:0.00} ms |";
    }

    /// <summary>Issue 12's model of N instances on N machines, from the measured per-call costs of the two-instance
    /// PostgreSQL row (the one-instance row if that one placed nothing).</summary>
    private static void Model(List<Row> rows)
    {
        var basis = rows.Find(r => r is { Instances: 2, Calls: > 0, ServerMs: > 0, DatabaseMs: > 0 })
                    ?? rows.Find(r => r is { Instances: 1, Calls: > 0, ServerMs: > 0, DatabaseMs: > 0 });
        if (basis is not { DatabaseMs: { } d })
        {
            Console.WriteLine("Model: no PostgreSQL row placed calls, so there is no S or D to build it from.");
            return;
        }
        var s = basis.ServerMs;
        double Reach(int n, int c, int cdb) => Math.Min(n * c * 1000 / s, cdb * 1000 / d);
        string Series(int c, int cdb) =>
            $"{string.Join(", ", ModelSizes.Select(n => $"N={n}: {Reach(n, c, cdb):N0}/s"))} " +
            $"(database-bound from N={cdb * s / (c * d):0.0}, at {cdb * 1000 / d:N0}/s)";
        var cores = Environment.ProcessorCount;
        WriteWrapped(
            $"Model, from the measured per-call costs of \"{basis.Label}\": S = {s:0.00} ms of server CPU and " +
            $"D = {d:0.00} ms of PostgreSQL CPU per placed call ({basis.Commits:0.00} commits per call, read-only " +
            "ones included). N instances, each on its own machine of C cores, in front of one PostgreSQL machine " +
            "of Cdb cores, reach about min(N·C·1000/S, Cdb·1000/D) calls/s: instances add throughput until the " +
            "database's cores are spent, at N = Cdb·S/(C·D). Assumed: both tiers are CPU-bound (no lock, disk or " +
            "network wait sets the pace); the driver and the Twilio stand-in run elsewhere (here they took " +
            $"{basis.DriverMs:0.00} ms per call); the group commit keeps fsyncs off the critical path, so a commit " +
            "costs the database CPU, not a wait; and S and D stay as measured as N grows (with more instances each " +
            "batches fewer requests per commit, so commits and D per call can rise). " +
            $"C = 2, Cdb = 2: {Series(2, 2)}. C = 2, Cdb = 8: {Series(2, 8)}. Check on this box, where server, " +
            $"database, driver and stand-in shared {cores} cores: {cores}·1000/(S + D + driver) = " +
            $"{cores * 1000 / (s + d + basis.DriverMs):N0}/s against {basis.PerSecond:N0}/s measured, while other " +
            $"work kept {basis.OtherCores:0.00} cores busy.");
    }

    private static void WriteWrapped(string text, int width = 120)
    {
        var line = new StringBuilder();
        foreach (var word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                Console.WriteLine(line);
                line.Clear();
            }
            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        if (line.Length > 0) Console.WriteLine(line);
    }

    private async Task<Row> ScenarioAsync(string label, int instances, string connection, string? provider,
        string? database, string work, TwilioStandIn standIn)
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
            var before = await SampleAsync(servers, database);
            var wall = Stopwatch.StartNew();
            var latencies = await Workers(_phase);
            var seconds = wall.Elapsed.TotalSeconds;
            var after = await SampleAsync(servers, database);
            var all = latencies.SelectMany(l => l).Order().ToArray();
            var perSecond = all.Length / seconds;
            double P(double p) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)(p * all.Length))];
            Console.WriteLine($"{label}: {all.Length:N0} placed in {seconds:0.0} s = {perSecond:N0}/s, " +
                              $"p50 {P(0.5):0.0} ms, p99 {P(0.99):0.0} ms, {failures} not 201");
            return Costs(label, instances, all.Length, seconds, perSecond, P(0.5), P(0.99), before, after);
        }
        finally
        {
            foreach (var server in servers) server.Dispose();
            foreach (var http in clients) http.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    /// <summary>CPU time so far, in milliseconds, of the server process(es), this process (driver and Twilio stand-in),
    /// every process named postgres and the whole box; and on PostgreSQL the scenario database's commits so far and the
    /// processes serving other databases.</summary>
    private sealed record Sample(double ServerMs, double DriverMs, double BoxMs, Dictionary<int, double> PostgresMs,
        long? Commits, HashSet<int> OtherDatabases);

    private async Task<Sample> SampleAsync(List<ServerProcess> servers, string? database)
    {
        var server = servers.Sum(p => ProcCpu.ProcessMs(p.ServerPid));
        var driver = ProcCpu.ProcessMs(Environment.ProcessId);
        var box = ProcCpu.BoxBusyMs();
        if (database is null) return new(server, driver, box, [], null, []);
        var postgres = ProcCpu.PostgresMs();
        // xact_commit counts every committed transaction, read-only ones (each autocommitted query) included.
        // Read from a session on another database, so that neither its commits nor its CPU count as the scenario's.
        // Backends publish their counts at most once a second (and, idle, within ten), and pg_stat_force_next_flush()
        // reaches only the session that calls it: both samples are taken the same way, right after the workers stop,
        // so what is still unpublished at either end is alike and the difference has about a second of commits'
        // uncertainty, not a bias.
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var commits = new NpgsqlCommand(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = @name", connection);
        commits.Parameters.AddWithValue("name", database);
        var count = (long)(await commits.ExecuteScalarAsync())!;
        // Other engineers' tests may share the cluster: their sessions' CPU is left out (the postmaster, WAL writer,
        // checkpointer and other shared processes are counted).
        await using var others = new NpgsqlCommand(
            "SELECT pid FROM pg_stat_activity WHERE datname IS NOT NULL AND datname <> @name", connection);
        others.Parameters.AddWithValue("name", database);
        var pids = new HashSet<int>();
        await using (var reader = await others.ExecuteReaderAsync())
            while (await reader.ReadAsync()) pids.Add(reader.GetInt32(0));
        return new(server, driver, box, postgres, count, pids);
    }

    private static Row Costs(string label, int instances, int calls, double seconds, double perSecond, double p50, double p99,
        Sample before, Sample after)
    {
        var wallMs = seconds * 1000;
        var server = after.ServerMs - before.ServerMs;
        var driver = after.DriverMs - before.DriverMs;
        var box = after.BoxMs - before.BoxMs;
        double Postgres(bool ours) => after.PostgresMs
            .Where(p => ours != (before.OtherDatabases.Contains(p.Key) || after.OtherDatabases.Contains(p.Key)))
            .Sum(p => Math.Max(0, p.Value - before.PostgresMs.GetValueOrDefault(p.Key)));
        var database = Postgres(ours: true);
        var otherSessions = Postgres(ours: false);
        var otherCores = (box - server - database - driver) / wallMs; // other databases' sessions included
        double? databaseMs = after.Commits is null || calls == 0 ? null : database / calls;
        double? commits = after.Commits - before.Commits is { } c && calls > 0 ? (double)c / calls : null;
        var row = new Row(label, instances, calls, seconds, perSecond, p50, p99, server / calls, databaseMs, commits,
            driver / calls, otherCores);
        Console.WriteLine(
            $"  per placed call: server {row.ServerMs:0.00} ms CPU" +
            (databaseMs is { } d ? $", PostgreSQL {d:0.00} ms CPU, {commits:0.00} commits" : "") +
            $", driver + stand-in {row.DriverMs:0.00} ms CPU; cores busy: server {server / wallMs:0.00}, " +
            (after.Commits is null ? "" : $"PostgreSQL {database / wallMs:0.00}, ") +
            $"driver + stand-in {driver / wallMs:0.00}, other work {otherCores:0.00}" +
            (after.Commits is null ? "" : $" (other databases' sessions {otherSessions / wallMs:0.00})") +
            $" of {Environment.ProcessorCount}");
        return row;
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
        "--VoiceProxy:Privacy:PseudonymKey", "bWFkZS11cC1iZW5jaG1hcmstcHNldWRvbnltLWtleQ==",
        "--VoiceProxy:PublicBaseUrl", "https://voiceproxy.example.com", "--VoiceProxy:Registry:Path", registry,
        "--VoiceProxy:Sellers:0:Id", "acme", "--VoiceProxy:Sellers:0:LegalName", "Acme Outdoor Supply",
        "--VoiceProxy:Sellers:0:CallbackNumber", "+18005550199", "--VoiceProxy:Sellers:0:CallerIds:0", "+14155550100",
        "--VoiceProxy:ApiKeys:0:Name", "bench-app", "--VoiceProxy:ApiKeys:0:Key", Key, "--VoiceProxy:ApiKeys:0:Role", "Caller",
        "--VoiceProxy:ApiKeys:0:Seller", "acme",
        "--VoiceProxy:Audit:Key", "YmVuY2htYXJrLW1hZGUtdXAtYXVkaXQta2V5LTAwMDE=", // made up; Production needs one
        "--VoiceProxy:Limits:PermitsPerSecond", "100000", "--VoiceProxy:Limits:Burst", "100000",
        // Numbers repeat every --numbers calls; the cap must not be what is measured.
        "--VoiceProxy:Caps:TransactionalMaxCalls", "100",
        "--Twilio:AccountSid", AccountSid, "--Twilio:AuthToken", AuthToken, "--Twilio:ApiBaseUrl", standIn.BaseUrl,
        "--Twilio:LookupBaseUrl", standIn.BaseUrl,
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

/// <summary>User + system CPU time from /proc, in milliseconds: of one process, of every process named postgres, of the
/// whole box.</summary>
internal static class ProcCpu
{
    private static readonly double MsPerTick = 1000.0 / ClockTicks();
    private static readonly int[] BusyFields = [1, 2, 3, 6, 7, 8];

    public static double ProcessMs(int pid) => UserPlusSystem(File.ReadAllText($"/proc/{pid}/stat")) * MsPerTick;

    /// <summary>By pid. A process that ends between two samples drops out of the figures with its CPU since the first one
    /// (the kernel adds it to its parent's children's times, which are not read).</summary>
    public static Dictionary<int, double> PostgresMs()
    {
        var result = new Dictionary<int, double>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).TrimEnd('\n') != "postgres") continue;
                result[pid] = UserPlusSystem(File.ReadAllText(Path.Combine(dir, "stat"))) * MsPerTick;
            }
            catch (IOException)
            {
                // ended meanwhile
            }
        }
        return result;
    }

    /// <summary>All cores' busy time: user, nice, system, irq, softirq and steal of /proc/stat's first line.</summary>
    public static double BoxBusyMs()
    {
        var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return BusyFields.Sum(i => long.Parse(f[i], CultureInfo.InvariantCulture)) * MsPerTick;
    }

    /// <summary>utime + stime (fields 14 and 15), counted after the command name, which may hold spaces.</summary>
    private static long UserPlusSystem(string stat)
    {
        var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
    }

    private static int ClockTicks()
    {
        try
        {
            using var getconf = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true })!;
            var text = getconf.StandardOutput.ReadToEnd();
            getconf.WaitForExit();
            return int.TryParse(text.Trim(), CultureInfo.InvariantCulture, out var ticks) && ticks > 0 ? ticks : 100;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return 100; // Linux's USER_HZ nearly everywhere
        }
    }
}
