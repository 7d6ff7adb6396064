using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace VoiceProxy.Benchmarks;

/// <summary>
/// <c>bulk</c>: one server over the registry, 1 M consents and 100 k internal entries (as <c>e2e</c> seeds them) and 1 M
/// recorded calls with kept facts. Measures, in the same run: a scrub of <c>--rows</c> rows (rows/s, server CPU per row,
/// peak resident memory before and after), <c>--checks</c> single dry runs at concurrency 16 (the baseline; the ratio),
/// and a replay of every recorded call.
/// </summary>
internal sealed class BulkBenchmark(Dictionary<string, string> o)
{
    private const string Key = "benchmark-acme-caller-key-0001";
    private const string SupervisorKey = "benchmark-supervisor-key-00001";
    private const string CallerId = "+14155550100";
    private static readonly DateTimeOffset Noon = new(2026, 12, 1, 18, 0, 0, TimeSpan.Zero);

    private int Int(string name, int fallback) =>
        int.Parse(o.GetValueOrDefault(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    public async Task RunAsync()
    {
        var work = Path.GetFullPath(o.GetValueOrDefault("work", Path.Combine(Path.GetTempPath(), "voiceproxy-bulk")));
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);
        var database = Path.Combine(work, "voiceproxy.db");
        var registry = Path.Combine(work, "registry");
        var (rows, checks, calls) = (Int("rows", 1_000_000), Int("checks", 1_000_000), Int("calls", 1_000_000));
        var (consents, dnc) = (Int("consents", 1_000_000), Int("dnc", 100_000));
        Console.WriteLine($"{Environment.ProcessorCount} cores, load average {EndToEnd.LoadAverage()}; work folder {work}");
        var registryCount = new EndToEnd(o).ImportRegistry(registry, work);
        var port = EndToEnd.FreePort();
        string[] args =
        [
            "--urls", $"http://127.0.0.1:{port}", "--ConnectionStrings:VoiceProxy", $"Data Source={database}",
            "--VoiceProxy:Registry:Path", registry, "--Twilio:Mode", "Simulated",
            "--VoiceProxy:Privacy:PseudonymKey", "bWFkZS11cC1iZW5jaG1hcmstcHNldWRvbnltLWtleQ==",
            "--VoiceProxy:Sellers:0:Id", "acme", "--VoiceProxy:Sellers:0:LegalName", "Acme Outdoor Supply",
            "--VoiceProxy:Sellers:0:CallbackNumber", "+18005550199", "--VoiceProxy:Sellers:0:CallerIds:0", CallerId,
            "--VoiceProxy:ApiKeys:0:Name", "bench-app", "--VoiceProxy:ApiKeys:0:Key", Key,
            "--VoiceProxy:ApiKeys:0:Role", "Caller", "--VoiceProxy:ApiKeys:0:Seller", "acme",
            "--VoiceProxy:ApiKeys:1:Name", "bench-supervisor", "--VoiceProxy:ApiKeys:1:Key", SupervisorKey,
            "--VoiceProxy:ApiKeys:1:Role", "Supervisor",
            "--VoiceProxy:Audit:Key", "YmVuY2htYXJrLW1hZGUtdXAtYXVkaXQta2V5LTAwMDE=",
            "--VoiceProxy:Limits:PermitsPerSecond", "100000", "--VoiceProxy:Limits:Burst", "100000",
            "--VoiceProxy:Limits:MaxReviewRangeDays", "366", "--Serilog:MinimumLevel:Default", "Warning",
        ];
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using (await ServerProcess.StartAsync(args, http)) { }
        Seed(database, consents, dnc, calls);

        using var server = await ServerProcess.StartAsync(args, http);
        var pid = server.ServerPid;
        Console.WriteLine($"server pid {pid}; registry {registryCount:N0}, {consents:N0} consents, {dnc:N0} internal, " +
                          $"{calls:N0} recorded calls; peak resident memory at ready {server.PeakMb():N0} MB");

        var cpu = ProcCpu.ProcessMs(pid);
        var clock = Stopwatch.StartNew();
        var answered = await ScrubAsync(port, rows, consents);
        var scrubSeconds = clock.Elapsed.TotalSeconds;
        var scrubCpu = ProcCpu.ProcessMs(pid) - cpu;
        Console.WriteLine($"scrub: {answered:N0} rows in {scrubSeconds:0.0} s = {answered / scrubSeconds:N0} rows/s; " +
                          $"server CPU {scrubCpu / answered * 1000:0.0} µs/row; peak resident memory {server.PeakMb():N0} MB");

        cpu = ProcCpu.ProcessMs(pid);
        clock.Restart();
        await ChecksAsync(http, checks, consents);
        var checkSeconds = clock.Elapsed.TotalSeconds;
        var checkCpu = ProcCpu.ProcessMs(pid) - cpu;
        Console.WriteLine($"single checks (c=16): {checks:N0} in {checkSeconds:0.0} s = {checks / checkSeconds:N0}/s; " +
                          $"server CPU {checkCpu / checks * 1000:0.0} µs/check; scrub/single throughput " +
                          $"{answered / scrubSeconds / (checks / checkSeconds):0.0}x");

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SupervisorKey);
        cpu = ProcCpu.ProcessMs(pid);
        clock.Restart();
        using var replay = await http.PostAsJsonAsync("/v1/compliance/replay",
            new { from = Noon.AddDays(-30), to = Noon.AddDays(1), rules = "current" });
        var answer = JsonNode.Parse(await replay.Content.ReadAsStringAsync())!;
        var replaySeconds = clock.Elapsed.TotalSeconds;
        var replayed = (int)answer["calls"]!;
        Console.WriteLine($"replay: {replayed:N0} calls in {replaySeconds:0.0} s = {replayed / replaySeconds:N0} calls/s, " +
                          $"{(int)answer["changed"]!:N0} changed; server CPU " +
                          $"{(ProcCpu.ProcessMs(pid) - cpu) / replayed * 1000:0.0} µs/call; " +
                          $"peak resident memory {server.PeakMb():N0} MB; load average {EndToEnd.LoadAverage()}");
    }

    /// <summary>Consented numbers, internal entries, and numbers on no list, in turn, sent as a chunked body while the answers
    /// are read as they stream: over a socket, since HttpClient reads no answer on HTTP/1.1 until it has sent the whole body
    /// (and both sides would wait once the answers filled the connection's buffers).</summary>
    private static async Task<int> ScrubAsync(int port, int rows, int consents)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        var send = Task.Run(async () =>
        {
            var head = "POST /v1/compliance/scrub?at=" + Uri.EscapeDataString(Noon.ToString("O")) + " HTTP/1.1\r\n" +
                $"Host: 127.0.0.1\r\nAuthorization: Bearer {Key}\r\nContent-Type: text/csv\r\n" +
                "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            var chunk = new StringBuilder("phone,purpose\n");
            for (var i = 0; i < rows; i++)
            {
                chunk.Append(EndToEnd.Number(i % 3 == 1 ? i % 100_000 : i % consents, dnc: i % 3 == 1))
                    .Append(",transactional\n");
                if (chunk.Length < 64 * 1024 && i < rows - 1) continue;
                var data = Encoding.ASCII.GetBytes(chunk.ToString());
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"{data.Length:x}\r\n"));
                await stream.WriteAsync(data);
                await stream.WriteAsync("\r\n"u8.ToArray());
                chunk.Clear();
            }
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
        });
        // Counts answer lines: each ends with '}' and a newline (chunk framing lines do not).
        var buffer = new byte[64 * 1024];
        var (count, last) = (0, (byte)0);
        for (int n; (n = await stream.ReadAsync(buffer)) > 0;)
            for (var i = 0; i < n; i++)
            {
                if (buffer[i] == (byte)'\n' && last == (byte)'}') count++;
                last = buffer[i];
            }
        await send;
        return count;
    }

    private static async Task ChecksAsync(HttpClient http, int checks, int consents)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) is var i && i < checks)
            {
                using var response = await http.PostAsJsonAsync("/v1/compliance/check", new
                {
                    to = EndToEnd.Number(i % consents), purpose = "transactional", template = "order-update",
                    variables = new Dictionary<string, string> { ["orderNumber"] = "A-1", ["orderStatus"] = "shipped" },
                    at = Noon,
                });
                if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException(response.ToString());
            }
        }));
    }

    /// <summary>The consents and internal entries e2e seeds, and recorded calls one a second up to noon, each with kept facts
    /// (express transactional consent, a location).</summary>
    private static void Seed(string database, int consents, int dnc, int calls)
    {
        using var connection = new SqliteConnection($"Data Source={database}");
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous = OFF";
            pragma.ExecuteNonQuery();
        }
        var at = Noon.AddDays(-30).UtcTicks;
        using var tx = connection.BeginTransaction();
        EndToEnd.Insert(connection, """
            INSERT INTO consent_entries (Seller, Phone, Action, Scope, Kind, EffectiveAt, RecordedAt, Source, RecordedBy)
            VALUES ('acme', $phone, 'Grant', 'transactional', 'express', $at, $at, 'checkout-form', 'seed')
            """, consents, i => EndToEnd.Number(i), at);
        EndToEnd.Insert(connection, """
            INSERT INTO dnc_entries (Seller, Phone, Action, Reason, At, RecordedBy)
            VALUES ('acme', $phone, 'Add', 'customer request', $at, 'seed')
            """, dnc, i => EndToEnd.Number(i, dnc: true), at);
        var facts = """
            {"v":1,"t":{"s":1,"k":"express","a":"2026-11-01T18:00:00+00:00"},"l":{"s":["NY"],"z":["America/New_York"],
            "o":"area code 212"},"p":{"c":["+14155550100"],"w":true,"o":true}}
            """.ReplaceLineEndings("");
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO calls (Id, Seller, "To", "From", Purpose, Template, Language, VariablesJson, Allowed, DecisionJson,
                FactsJson, Status, OptedOut, LastSequenceNumber, RequestedAt, UpdatedAt)
            VALUES ($id, 'acme', $to, '+14155550100', 'transactional', 'order-update', 'en-US', '{}', 1, '{}', $facts,
                'completed', 0, -1, $at, $at)
            """;
        var id = insert.Parameters.Add(new SqliteParameter { ParameterName = "$id" });
        var to = insert.Parameters.Add(new SqliteParameter { ParameterName = "$to" });
        var when = insert.Parameters.Add(new SqliteParameter { ParameterName = "$at" });
        insert.Parameters.AddWithValue("$facts", facts);
        insert.Prepare();
        for (var i = 0; i < calls; i++)
        {
            var requested = Noon.AddSeconds(-i * 2);
            id.Value = Guid.CreateVersion7(requested).ToString();
            to.Value = string.Create(CultureInfo.InvariantCulture, $"+1212{2_000_000 + i % 5_000_000:D7}");
            when.Value = requested.UtcTicks;
            insert.ExecuteNonQuery();
        }
        tx.Commit();
    }
}
