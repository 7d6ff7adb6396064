using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace VoiceProxy.Tests.Deployment;

/// <summary>The real program, its app's receiver holding every event open, killed with SIGKILL in the middle of a burst of
/// changes and restarted: every committed change's event reaches the app at least once, and no event names a change that
/// did not commit (architecture.md, the transactional outbox).</summary>
public sealed class EventCrashTests : IAsyncLifetime
{
    private const string CallerKey = "event-crash-caller-key-000001";
    private WebhookReceiver _receiver = null!;
    private ServiceProcess _service = null!;
    /// <summary>Events the receiver answered with 200: delivered.</summary>
    private readonly ConcurrentDictionary<string, ReceivedEvent> _acknowledged = new();
    private volatile bool _hang = true;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync(() => RealClock.ProgramNow);
        _receiver.Respond = async (e, http) =>
        {
            // Before the kill the app holds every request open, so events are in flight when the process dies.
            if (_hang) await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            if (http.RequestAborted.IsCancellationRequested) return 499;
            _acknowledged.TryAdd(e.WebhookId + e.Path, e);
            return 200;
        };
        _service = ServiceProcess.WithOwnStore(new TestSettings()
            .Twilio("http://127.0.0.1:9", "event-crash-made-up-auth-token")
            .OneSeller()
            .ApiKey("crash-caller", CallerKey, "Caller", "acme")
            .Unlimited()
            .Set("VoiceProxy:Sellers:0:Webhooks:0:Url", _receiver.Url + "/hooks")
            .Set("VoiceProxy:Sellers:0:Webhooks:0:Secret", WebhookReceiver.Secret)
            .Set(RealClock.Settings));
        ((Dictionary<string, string>)_service.Settings)["VoiceProxy:PublicBaseUrl"] = "https://voiceproxy.example.com";
    }

    public async Task DisposeAsync()
    {
        _service.Dispose();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task KilledWithEventsUndelivered_AfterRestartEveryCommittedChangeReported_NoneUncommitted()
    {
        await _service.StartAsync(TimeSpan.FromSeconds(60));
        var answered = new ConcurrentBag<string>();
        var next = 0;
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            using var client = _service.Client(CallerKey, TimeSpan.FromSeconds(10));
            while (!stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref next);
                try
                {
                    // A listing (dnc.added) or a call without consent (call.blocked), each for a number of its own.
                    if (n % 2 == 0)
                    {
                        var phone = $"+1212555{n:D4}";
                        var listing = await client.PostAsJsonAsync("/v1/dnc", new { phone, reason = "asked" }, stop.Token);
                        if (listing.StatusCode == HttpStatusCode.Created) answered.Add(phone);
                        continue;
                    }
                    var call = await client.PostAsJsonAsync("/v1/calls", ApiHelpers.OrderUpdate($"+1303555{n:D4}"), stop.Token);
                    if (call.StatusCode == (HttpStatusCode)422)
                    {
                        var problem = JsonNode.Parse(await call.Content.ReadAsStringAsync(CancellationToken.None))!;
                        answered.Add((string)problem["callId"]!);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException) { }
            }
        })).ToList();
        for (var wait = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < wait && answered.Count < 40;) await Task.Delay(20);
        await Task.Delay(new Random().Next(50, 400));
        _service.Kill();
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        Assert.True(answered.Count >= 40, $"Only {answered.Count} changes answered before the kill.");
        Assert.Empty(_acknowledged);
        Assert.NotEmpty(_receiver.Received);

        _hang = false;
        await _service.StartAsync(TimeSpan.FromSeconds(60));
        var (listed, calls) = await CommittedAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && _acknowledged.Count < listed.Count + calls.Count) await Task.Delay(100);

        Assert.Empty(_receiver.Rejected);
        var reported = _acknowledged.Values.ToList();
        Assert.Equal(listed.Order(), reported.Where(e => e.Type == "dnc.added").Select(e => (string)e.Data["phone"]!).Order());
        Assert.Equal(calls.Order(), reported.Where(e => e.Type == "call.blocked").Select(e => (string)e.Data["callId"]!).Order());
        // Nothing the receiver ever saw, before or after the kill, names a change that is not in the store.
        foreach (var seen in _receiver.Received)
            Assert.True(seen.Type == "dnc.added" ? listed.Contains((string)seen.Data["phone"]!)
                : calls.Contains((string)seen.Data["callId"]!), $"{seen.Type} for a change that did not commit");
        // Every change the service answered is among them, and calls were among them.
        Assert.All(answered, a => Assert.True(listed.Contains(a) || calls.Contains(a), $"{a} answered but not stored"));
        Assert.Contains(reported, e => e.Type == "call.blocked");
    }

    /// <summary>The changes committed before the kill: numbers listed and calls decided.</summary>
    private async Task<(HashSet<string> Listed, HashSet<string> Calls)> CommittedAsync()
    {
        await using var db = new SqliteConnection($"Data Source={Path.Combine(_service.Folder!, "voiceproxy.db")};Mode=ReadOnly");
        await db.OpenAsync();
        async Task<HashSet<string>> Read(string sql)
        {
            await using var command = db.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync();
            var values = new HashSet<string>();
            while (await reader.ReadAsync()) values.Add(reader.GetString(0));
            return values;
        }
        return (await Read("SELECT Phone FROM dnc_entries WHERE Action = 'Add'"), await Read("SELECT Id FROM calls"));
    }
}
