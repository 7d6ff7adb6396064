using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace VoiceProxy.Tests.Deployment;

/// <summary>The real program under load, killed with SIGKILL at random moments and restarted: every call that got a 201 and
/// every opt-out that got its confirmation survive, the audit chain verifies, in-flight calls are reconciled, and no log line
/// carries a phone number or an API key.</summary>
public sealed class CrashTests : IAsyncLifetime
{
    private const int Rounds = 4;
    private const string CallerKey = "crash-test-caller-key-0000001";
    private const string SupervisorKey = "crash-test-supervisor-key-00001";
    private const string AuthToken = "crash-test-made-up-auth-token";
    private const string PublicBaseUrl = "https://voiceproxy.example.com";
    private LoopbackTwilio _twilio = null!;
    private ServiceProcess _service = null!;

    private string DatabaseFile => Path.Combine(_service.Folder!, "voiceproxy.db");

    public async Task InitializeAsync()
    {
        _twilio = await LoopbackTwilio.StartAsync();
        _service = ServiceProcess.WithOwnStore(new TestSettings()
            .Twilio(_twilio.Url, AuthToken)
            .OneSeller()
            .ApiKey("crash-caller", CallerKey, "Caller", "acme")
            .ApiKey("crash-supervisor", SupervisorKey, "Supervisor")
            .Unlimited()
            .Set(RealClock.Settings));
        // Live mode wants an https PublicBaseUrl (the address Twilio would call, behind a TLS proxy); the test signs webhooks for
        // it and posts them to the service's own plain loopback address.
        ((Dictionary<string, string>)_service.Settings)["VoiceProxy:PublicBaseUrl"] = PublicBaseUrl;
    }

    public async Task DisposeAsync()
    {
        _service.Dispose();
        await _twilio.DisposeAsync();
    }

    [Fact]
    public async Task KilledAtRandomMoments_NothingAcknowledgedIsLost()
    {
        var npa = RealClock.Chosen.Npa;
        var phones = Enumerable.Range(0, 60).Select(i => $"+1{npa}555{i:D4}").ToList();
        var random = new Random(20261129);
        var placed = new System.Collections.Concurrent.ConcurrentDictionary<string, string>(); // call id -> phone
        var optedOut = new System.Collections.Concurrent.ConcurrentDictionary<string, string>(); // call id -> phone
        await _service.StartAsync(TimeSpan.FromSeconds(60));
        using (var setup = Client(CallerKey))
            foreach (var phone in phones)
                Assert.Equal(HttpStatusCode.Created,
                    (await setup.PostAsJsonAsync("/v1/consents", new { phone, scope = "transactional", kind = "express" }))
                    .StatusCode);

        for (var round = 0; round < Rounds; round++)
        {
            if (round > 0) await _service.StartAsync(TimeSpan.FromSeconds(60));
            using var stop = new CancellationTokenSource();
            var (placedBefore, optedOutBefore) = (placed.Count, optedOut.Count);
            var workers = Enumerable.Range(0, 6)
                .Select(w => Task.Run(() => DriveAsync(phones, placed, optedOut, new Random(round * 100 + w), stop.Token)))
                .ToList();
            // The kill comes at a random moment once this round has both placed a call and confirmed an opt-out (on a busy
            // machine the first requests can take a while).
            for (var wait = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < wait
                && (placed.Count == placedBefore || optedOut.Count == optedOutBefore);)
                await Task.Delay(20);
            await Task.Delay(random.Next(50, 800));
            _service.Kill();
            stop.Cancel();
            await Task.WhenAll(workers);
        }

        await _service.StartAsync(TimeSpan.FromSeconds(60));
        Assert.NotEmpty(placed);
        Assert.NotEmpty(optedOut);
        await using var db = new SqliteConnection($"Data Source={DatabaseFile};Mode=ReadOnly");
        await db.OpenAsync();
        foreach (var (id, _) in placed)
            Assert.Equal(1L, await Scalar(db,
                "SELECT COUNT(*) FROM calls WHERE Id = $v AND Allowed = 1 AND TwilioCallSid IS NOT NULL", id));
        foreach (var (id, phone) in optedOut)
        {
            Assert.Equal(1L, await Scalar(db, "SELECT COUNT(*) FROM calls WHERE Id = $v AND OptedOut = 1", id));
            Assert.True(await Scalar(db, "SELECT COUNT(*) FROM dnc_entries WHERE Phone = $v AND Action = 'Add'", phone) >= 1);
            Assert.True(await Scalar(db, "SELECT COUNT(*) FROM consent_entries WHERE Phone = $v AND Action = 'Revoke'",
                phone) >= 1);
        }

        // Every call Twilio received is, after reconciliation, recorded with its SID: none is lost or placed twice.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        long unresolved;
        do
        {
            unresolved = 0;
            foreach (var (sid, call) in _twilio.Calls)
                if (await Scalar(db, "SELECT COUNT(*) FROM calls WHERE TwilioCallSid = $v", sid) != 1) unresolved++;
            if (unresolved > 0) await Task.Delay(500);
        }
        while (unresolved > 0 && DateTime.UtcNow < deadline);
        Assert.Equal(0, unresolved);

        using var supervisor = Client(SupervisorKey);
        var (_, verify) = await supervisor.VerifySealedAsync();
        Assert.True((bool)verify!["ok"]!, verify.ToJsonString());

        var log = _service.Output.ToArray();
        Assert.NotEmpty(log);
        foreach (var line in log)
        {
            Assert.DoesNotContain(CallerKey, line);
            Assert.DoesNotContain(SupervisorKey, line);
            Assert.DoesNotContain(AuthToken, line);
            foreach (var phone in phones) Assert.DoesNotContain(phone[2..], line);
        }
    }

    [Fact]
    public async Task KilledWithEventsCommittedButUnsealed_SealedAtRestart_NoneLostChainVerifies()
    {
        var settings = (Dictionary<string, string>)_service.Settings;
        settings["VoiceProxy:Audit:SealIntervalMilliseconds"] = "3600000"; // one pass at start-up, then none for an hour
        await _service.StartAsync(TimeSpan.FromSeconds(60));
        using (var caller = Client(CallerKey))
            for (var i = 0; i < 20; i++)
            {
                var consent = new { phone = $"+1415555{i:D4}", scope = "transactional", kind = "express" };
                Assert.Equal(HttpStatusCode.Created, (await caller.PostAsJsonAsync("/v1/consents", consent)).StatusCode);
            }
        using var supervisor = Client(SupervisorKey);
        var (_, beforeKill) = await supervisor.GetJsonAsync("/v1/audit/verify");
        _service.Kill();

        settings.Remove("VoiceProxy:Audit:SealIntervalMilliseconds");
        await _service.StartAsync(TimeSpan.FromSeconds(60));
        var (_, afterRestart) = await supervisor.VerifySealedAsync();

        Assert.True((long)beforeKill["unsealed"]! >= 20, beforeKill.ToJsonString());
        Assert.True((bool)afterRestart["ok"]!, afterRestart.ToJsonString());
        Assert.Equal(0, (long)afterRestart["unsealed"]!);
        Assert.Equal((long)beforeKill["events"]! + (long)beforeKill["unsealed"]!, (long)afterRestart["events"]!);
    }

    /// <summary>One worker: place calls with idempotency keys and opt out of some placed ones, until stopped; failures from the
    /// kill are expected and ignored, but every success is remembered.</summary>
    private async Task DriveAsync(List<string> phones,
        System.Collections.Concurrent.ConcurrentDictionary<string, string> placed,
        System.Collections.Concurrent.ConcurrentDictionary<string, string> optedOut, Random random, CancellationToken stop)
    {
        using var client = Client(CallerKey);
        var webhooks = new TwilioWebhookClient(new HttpClient { BaseAddress = new Uri(_service.BaseUrl) }, AuthToken,
            PublicBaseUrl);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (!placed.IsEmpty && random.Next(3) == 0)
                {
                    var (id, phone) = placed.ElementAt(random.Next(placed.Count));
                    var (status, body) = await webhooks.PostAsync($"/twilio/gather/{id}?attempt=0", new() { ["Digits"] = "9" });
                    if (status == HttpStatusCode.OK && body.Contains("You will not receive calls")) optedOut[id] = phone;
                    continue;
                }
                var to = phones[random.Next(phones.Count)];
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/calls")
                {
                    Content = JsonContent.Create(ApiHelpers.OrderUpdate(to))
                };
                request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
                var response = await client.SendAsync(request, stop);
                // A call the service created is remembered even when the stop comes while its body is read.
                if (response.StatusCode == HttpStatusCode.Created)
                    placed[(string)JsonNode.Parse(await response.Content.ReadAsStringAsync(CancellationToken.None))!["id"]!] = to;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException) { }
        }
    }

    private HttpClient Client(string key) => _service.Client(key, TimeSpan.FromSeconds(10));

    private static async Task<long> Scalar(SqliteConnection db, string sql, string value)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$v", value);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
