using System.Net;

namespace VoiceProxy.Tests.AppEvents;

/// <summary>Two instances on one PostgreSQL database, each with its own dispatcher over the shared outbox: every event is
/// sent by one of them (claims take a lease with FOR UPDATE SKIP LOCKED), none twice, and every delivery is recorded.</summary>
public sealed class EventPostgresTests : IAsyncLifetime, IDisposable
{
    private readonly PostgresDatabase _database = new();
    private WebhookReceiver _receiver = null!;
    private VoiceProxyApplication _a = null!, _b = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync(() => _a?.Time.GetUtcNow() ?? DateTimeOffset.UtcNow);
        var settings = new Dictionary<string, string?>(_database.Settings)
        {
            ["VoiceProxy:Sellers:0:Webhooks:0:Url"] = _receiver.Url + "/hooks",
            ["VoiceProxy:Sellers:0:Webhooks:0:Secret"] = WebhookReceiver.Secret,
        };
        (_a, _b) = (new VoiceProxyApplication(settings), new VoiceProxyApplication(settings));
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    public void Dispose()
    {
        _a?.Dispose();
        _b?.Dispose();
        _database.Dispose();
    }

    [Fact]
    public async Task TwoInstances_EachEventSentOnceAndRecorded()
    {
        using var a = _a.Acme();
        using var b = _b.Acme();
        const int count = 120;
        // Sixteen at a time, as a client would: 120 at once would take more connections than one PostgreSQL server gives
        // two test hosts (each request may open its own), and a refused connection is a 503, not what is tested here.
        var added = new HttpStatusCode[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, _) => added[i] = (await (i % 2 == 0 ? a : b)
                .PostJsonAsync("/v1/dnc", new { phone = $"+1415555{i + 1000:D4}", reason = "asked" })).Status);
        Assert.All(added, s => Assert.Equal(HttpStatusCode.Created, s));

        var received = await _receiver.WaitForAsync(r => r.Count >= count, $"{count} events");
        await Task.Delay(500);

        Assert.Empty(_receiver.Rejected);
        Assert.Equal(count, _receiver.Received.Count);
        Assert.Equal(count, received.Select(e => e.WebhookId).Distinct().Count());
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (_a.Query(db => db.EventDeliveries.Count(d => d.Status != "delivered" || d.LeaseUntil != null)) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "Deliveries not recorded as delivered");
            await Task.Delay(50);
        }
        Assert.All(_a.Query(db => db.EventDeliveries.Select(d => d.Attempts).ToList()), n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task Retry_OnPostgres_SameWebhookIdUntilDelivered()
    {
        var calls = 0;
        _receiver.Respond = (_, _) => Task.FromResult(Interlocked.Increment(ref calls) == 1 ? 503 : 200);
        using var a = _a.Acme();
        Assert.Equal(HttpStatusCode.Created,
            (await a.PostJsonAsync("/v1/dnc", new { phone = "+14155550125", reason = "asked" })).Status);
        await _receiver.WaitForAsync(r => r.Count == 1, "the first attempt");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (_a.Query(db => db.EventDeliveries.Single().Attempts) < 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "The first attempt was not recorded");
            await Task.Delay(20);
        }

        // In steps: a dispatcher sets its next wait only once its pass is over.
        for (var i = 0; i < 12 && _receiver.Received.Count < 2; i++)
        {
            _a.Time.Advance(TimeSpan.FromSeconds(0.5));
            _b.Time.Advance(TimeSpan.FromSeconds(0.5));
            await Task.Delay(100);
        }
        var received = await _receiver.WaitForAsync(r => r.Count == 2, "the second attempt");

        Assert.Single(received.Select(e => e.WebhookId).Distinct());
        while (_a.Query(db => db.EventDeliveries.Single().Status) != "delivered")
        {
            Assert.True(DateTime.UtcNow < deadline, "The retry was not recorded");
            await Task.Delay(20);
        }
    }
}
