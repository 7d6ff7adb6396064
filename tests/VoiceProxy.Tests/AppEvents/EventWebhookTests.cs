using System.Net;
using System.Text.Json.Nodes;
using VoiceProxy.Data;

namespace VoiceProxy.Tests.AppEvents;

/// <summary>Events reach the seller's app from the real flows, signed as Standard Webhooks says (checked by the receiver's own
/// verifier), from the transactional outbox, with retries on the injected clock, 410 disabling, and lanes per subscription
/// so a receiver that hangs delays no other.</summary>
public sealed class EventWebhookTests : IAsyncLifetime, IDisposable
{
    private const string Phone = "+14155550123";
    private WebhookReceiver _receiver = null!;
    private VoiceProxyApplication _app = null!;
    private HttpClient _acme = null!;

    /// <summary>The receiver runs before the application (whose settings name it) and checks timestamps on its clock.</summary>
    public async Task InitializeAsync() =>
        _receiver = await WebhookReceiver.StartAsync(() => _app?.Time.GetUtcNow() ?? DateTimeOffset.UtcNow);

    /// <summary>The application with Acme subscribed at each path (all events, or those given).</summary>
    private void Start(params (string Path, string[] Events)[] subscriptions)
    {
        var settings = new Dictionary<string, string?>();
        for (var i = 0; i < subscriptions.Length; i++)
        {
            settings[$"VoiceProxy:Sellers:0:Webhooks:{i}:Url"] = _receiver.Url + subscriptions[i].Path;
            settings[$"VoiceProxy:Sellers:0:Webhooks:{i}:Secret"] = WebhookReceiver.Secret;
            for (var k = 0; k < subscriptions[i].Events.Length; k++)
                settings[$"VoiceProxy:Sellers:0:Webhooks:{i}:Events:{k}"] = subscriptions[i].Events[k];
        }
        _app = new VoiceProxyApplication(settings);
        _acme = _app.Acme();
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    public void Dispose()
    {
        _acme?.Dispose();
        _app?.Dispose();
    }

    private async Task<(string Id, string Sid)> PlaceAsync()
    {
        await _acme.GrantAsync(Phone, "transactional");
        var (status, call) = await _acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        Assert.Equal(HttpStatusCode.Created, status);
        return ((string)call["id"]!, (string)call["twilioCallSid"]!);
    }

    private async Task<JsonArray> DeliveriesAsync(string query = "")
    {
        using var supervisor = _app.ClientWithKey(VoiceProxyApplication.SupervisorKey);
        var (status, page) = await supervisor.GetJsonAsync("/v1/webhooks/deliveries" + query);
        Assert.Equal(HttpStatusCode.OK, status);
        return page["items"]!.AsArray();
    }

    /// <summary>Real time passes while the dispatcher records an attempt: waits until the log shows it.</summary>
    private async Task<JsonNode> DeliveryWhenAsync(Func<JsonNode, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var items = await DeliveriesAsync();
            if (items.FirstOrDefault(d => done(d!)) is { } found) return found;
            Assert.True(DateTime.UtcNow < deadline, $"No delivery {what}: {items.ToJsonString()}");
            await Task.Delay(20);
        }
    }

    /// <summary>Moves the clock on by <paramref name="step"/> (at most <paramref name="most"/> in all) until the log shows the
    /// delivery: in steps, because the dispatcher's next wait is set only once its pass is over, which on a busy machine may
    /// be after a single big step.</summary>
    private async Task<JsonNode> AdvanceUntilAsync(TimeSpan step, TimeSpan most, Func<JsonNode, bool> done, string what)
    {
        var (advanced, deadline) = (TimeSpan.Zero, DateTime.UtcNow.AddSeconds(30));
        while (true)
        {
            var items = await DeliveriesAsync();
            if (items.FirstOrDefault(d => done(d!)) is { } found) return found;
            Assert.True(DateTime.UtcNow < deadline, $"No delivery {what}: {items.ToJsonString()}");
            if (advanced < most)
            {
                _app.Time.Advance(step);
                advanced += step;
            }
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task RealFlows_EachEventTypeArrivesSignedWithWhatTheAppNeeds()
    {
        Start(("/hooks", []));
        var twilio = new TwilioWebhookClient(_app.CreateClient());
        var (id, sid) = await PlaceAsync();
        await twilio.PostAsync($"/twilio/status/{id}", new()
        {
            ["CallSid"] = sid, ["CallStatus"] = "completed", ["CallDuration"] = "42", ["AnsweredBy"] = "human",
            ["SequenceNumber"] = "3",
        });
        await _receiver.WaitForAsync(r => r.Any(e => e.Type == "call.finished"), "call.finished");
        // A second call, opted out of by keypress during the call.
        var (status, second) = await _acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        Assert.Equal(HttpStatusCode.Created, status);
        var secondId = (string)second["id"]!;
        await twilio.PostAsync($"/twilio/gather/{secondId}?attempt=0",
            new() { ["CallSid"] = (string)second["twilioCallSid"]!, ["Digits"] = "9" });
        // Blocked now (revoked and listed); the API revokes and lists a number; an Admin takes one off the list.
        Assert.Equal((HttpStatusCode)422, (await _acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone))).Status);
        const string other = "+14155550124";
        Assert.Equal(HttpStatusCode.Created, (await _acme.PostJsonAsync("/v1/consents/revocations",
            new { phone = other, scope = "marketing", channel = "email" })).Status);
        Assert.Equal(HttpStatusCode.Created,
            (await _acme.PostJsonAsync("/v1/dnc", new { phone = other, reason = "asked by e-mail" })).Status);
        using var admin = _app.ClientWithKey(VoiceProxyApplication.AdminKey);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(HttpMethod.Delete,
            $"/v1/dnc/{ApiHelpers.Path(other)}?seller=acme", new { reason = "consent given again in the store" })).Status);

        var received = await _receiver.WaitForAsync(r => r.Count >= 10, "ten events");

        Assert.Empty(_receiver.Rejected);
        Assert.All(received, e =>
        {
            Assert.Equal("acme", (string?)e.Body["seller"]);
            Assert.StartsWith("evt_", e.WebhookId, StringComparison.Ordinal);
            Assert.NotNull(e.Data["phone"]);
            Assert.DoesNotContain(VoiceProxyApplication.AcmeKey, e.Body.ToJsonString());
            Assert.DoesNotContain(VoiceProxyApplication.AuthToken, e.Body.ToJsonString());
        });
        ReceivedEvent One(string type, Func<ReceivedEvent, bool>? also = null) =>
            Assert.Single(received, e => e.Type == type && (also?.Invoke(e) ?? true));
        var placed = One("call.placed", e => (string?)e.Data["callId"] == id);
        Assert.Equal(Phone, (string?)placed.Data["phone"]);
        Assert.Equal(sid, (string?)placed.Data["twilioCallSid"]);
        Assert.Equal("order-update", (string?)placed.Data["template"]);
        Assert.True((bool)placed.Data["decision"]!["allowed"]!);
        Assert.Null(placed.Data["events"]);
        var finished = One("call.finished");
        Assert.Equal(("completed", "human", 42), ((string?)finished.Data["status"], (string?)finished.Data["answeredBy"],
            (int?)finished.Data["durationSeconds"]));
        var optedOut = One("call.opted_out");
        Assert.Equal((secondId, Phone, "keypress"),
            ((string?)optedOut.Data["callId"], (string?)optedOut.Data["phone"], (string?)optedOut.Data["channel"]));
        var keypress = One("consent.revoked", e => (string?)e.Data["phone"] == Phone);
        Assert.Equal(("keypress", null), ((string?)keypress.Data["channel"], (string?)keypress.Data["scope"]));
        One("dnc.added", e => (string?)e.Data["phone"] == Phone && (string?)e.Data["channel"] == "keypress");
        var blocked = One("call.blocked");
        Assert.Equal(["consent_revoked", "dnc_internal"],
            blocked.Data["reasons"]!.AsArray().Select(r => (string)r!["code"]!).Order());
        Assert.NotNull(blocked.Data["callId"]);
        var api = One("consent.revoked", e => (string?)e.Data["phone"] == other);
        Assert.Equal(("email", "marketing"), ((string?)api.Data["channel"], (string?)api.Data["scope"]));
        One("dnc.added", e => (string?)e.Data["phone"] == other && (string?)e.Data["channel"] == "api");
        One("dnc.removed", e => (string?)e.Data["phone"] == other);
        Assert.Equal(2, received.Count(e => e.Type == "call.placed"));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await DeliveriesAsync("?status=delivered&limit=200")).Count < received.Count)
        {
            Assert.True(DateTime.UtcNow < deadline, "Not every delivery was recorded as delivered");
            await Task.Delay(20);
        }
        Assert.Equal(received.Count, (await DeliveriesAsync()).Count);
    }

    [Fact]
    public async Task Subscription_OnlyItsEvents_AndTheOtherSubscriptionAll()
    {
        Start(("/placed-only", ["call.placed"]), ("/all", []));
        await PlaceAsync();
        Assert.Equal(HttpStatusCode.Created,
            (await _acme.PostJsonAsync("/v1/dnc", new { phone = "+14155550125", reason = "asked" })).Status);

        var received = await _receiver.WaitForAsync(r => r.Count(e => e.Path == "/all") == 2
            && r.Any(e => e.Path == "/placed-only"), "both subscriptions");

        Assert.Equal(["call.placed"], received.Where(e => e.Path == "/placed-only").Select(e => e.Type));
        // One event, one id, whatever the subscription.
        var placed = received.Where(e => e.Type == "call.placed").Select(e => e.WebhookId).Distinct();
        Assert.Single(placed);
    }

    [Fact]
    public async Task FailingReceiver_RetriedOnScheduleWithTheSameWebhookId_UntilDelivered()
    {
        Start(("/flaky", []));
        var calls = 0;
        _receiver.Respond = (_, _) => Task.FromResult(Interlocked.Increment(ref calls) <= 2 ? 500 : 204);
        await PlaceAsync();
        var first = await DeliveryWhenAsync(d => (int)d["attempts"]! == 1 && (string?)d["status"] == "pending", "tried once");
        Assert.Equal(500, (int)first["lastStatusCode"]!);
        var next = (DateTimeOffset)first["nextAttemptAt"]!;
        var wait = next - _app.Time.GetUtcNow();
        Assert.InRange(wait, TimeSpan.FromSeconds(4.5), TimeSpan.FromSeconds(5.5));

        // Nothing is sent again before the time comes.
        _app.Time.Advance(TimeSpan.FromSeconds(4));
        await Task.Delay(300);
        Assert.Single(_receiver.Received);
        var second = await AdvanceUntilAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2),
            d => (int)d["attempts"]! == 2, "tried twice");
        Assert.InRange((DateTimeOffset)second["nextAttemptAt"]! - (DateTimeOffset)second["lastAttemptAt"]!,
            TimeSpan.FromMinutes(4.5), TimeSpan.FromMinutes(5.5));
        var delivered = await AdvanceUntilAsync(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(6),
            d => (string?)d["status"] == "delivered", "delivered");

        Assert.Equal(3, (int)delivered["attempts"]!);
        Assert.Equal(204, (int)delivered["lastStatusCode"]!);
        Assert.Equal([500, 500, 204], delivered["attemptLog"]!.AsArray().Select(a => (int)a!["statusCode"]!));
        Assert.Equal(3, _receiver.Received.Count);
        Assert.Single(_receiver.Received.Select(e => e.WebhookId).Distinct());
        Assert.Equal(3, _receiver.Received.Select(e => e.Timestamp).Distinct().Count());
        Assert.Empty(_receiver.Rejected);
    }

    [Fact]
    public async Task Gone_DisablesTheSubscription_UntilAnAdminRetries()
    {
        Start(("/gone", []));
        _receiver.Respond = (_, _) => Task.FromResult(410);
        await PlaceAsync();
        var gone = await DeliveryWhenAsync(d => (string?)d["status"] == "failed", "failed on 410");
        Assert.Equal(410, (int)gone["lastStatusCode"]!);
        using var supervisor = _app.ClientWithKey(VoiceProxyApplication.SupervisorKey);
        var (_, subscriptions) = await supervisor.GetJsonAsync("/v1/webhooks/subscriptions");
        Assert.NotNull(subscriptions[0]!["disabledAt"]);

        // A later event is not sent: it fails at once, even after the retry delays.
        Assert.Equal(HttpStatusCode.Created,
            (await _acme.PostJsonAsync("/v1/dnc", new { phone = "+14155550125", reason = "asked" })).Status);
        _app.Time.Advance(TimeSpan.FromSeconds(2));
        var skipped = await DeliveryWhenAsync(d => (string?)d["type"] == "dnc.added" && (string?)d["status"] == "failed",
            "failed unsent");
        Assert.Equal(0, (int)skipped["attempts"]!);
        Assert.Contains("disabled", (string?)skipped["lastError"]);
        Assert.Single(_receiver.Received);

        // The receiver is back; an Admin sends the first one again, which enables the subscription.
        _receiver.Respond = (_, _) => Task.FromResult(200);
        using var admin = _app.ClientWithKey(VoiceProxyApplication.AdminKey);
        using var caller = _app.Acme();
        Assert.Equal(HttpStatusCode.Forbidden,
            (await caller.PostAsync($"/v1/webhooks/deliveries/{gone["id"]}/retry", null)).StatusCode);
        var (status, retried) = await admin.PostJsonAsync($"/v1/webhooks/deliveries/{gone["id"]}/retry", new { });
        Assert.Equal(HttpStatusCode.Accepted, status);
        // Queued; on a fast machine the dispatcher may have delivered it before the answer was read.
        Assert.True((string?)retried["status"] is "pending" or "delivered", retried.ToJsonString());
        var delivered = await DeliveryWhenAsync(d => (string?)d["status"] == "delivered", "delivered after the retry");
        Assert.Equal((string?)gone["eventId"], (string?)delivered["eventId"]);
        (_, subscriptions) = await supervisor.GetJsonAsync("/v1/webhooks/subscriptions");
        Assert.Null(subscriptions[0]!["disabledAt"]);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("/v1/webhooks/deliveries/999999/retry", null)).StatusCode);
    }

    [Fact]
    public async Task HangingReceiver_DelaysNoOtherSubscription_AndTimesOutAfterTenSeconds()
    {
        Start(("/hangs", []), ("/fast", []));
        var release = new TaskCompletionSource();
        _receiver.Respond = async (e, http) =>
        {
            if (e.Path != "/hangs") return 200;
            await Task.WhenAny(release.Task, Task.Delay(Timeout.Infinite, http.RequestAborted));
            return 200;
        };
        await _acme.GrantAsync(Phone, "transactional");
        for (var i = 0; i < 20; i++)
            Assert.Equal(HttpStatusCode.Created,
                (await _acme.PostJsonAsync("/v1/dnc", new { phone = $"+1415555{i + 200:D4}", reason = "asked" })).Status);

        // Every event reaches the fast receiver while the other holds its requests open.
        await _receiver.WaitForAsync(r => r.Count(e => e.Path == "/fast") == 20, "twenty events at /fast");
        Assert.Equal(8, _receiver.Received.Count(e => e.Path == "/hangs"));

        _app.Time.Advance(TimeSpan.FromSeconds(10));
        var timedOut = await DeliveryWhenAsync(d => (string?)d["lastError"] == "no answer within 10 s", "timed out");
        Assert.Equal("pending", (string?)timedOut["status"]);
        Assert.Null(timedOut["lastStatusCode"]);
        release.SetResult();
    }

    [Fact]
    public async Task Redirect_IsNotFollowed_AndCountsAsAFailure()
    {
        Start(("/moved", []));
        _receiver.Respond = (e, http) =>
        {
            if (e.Path != "/moved") return Task.FromResult(200);
            http.Response.Headers.Location = _receiver.Url + "/elsewhere";
            return Task.FromResult(307);
        };
        await PlaceAsync();

        var moved = await DeliveryWhenAsync(d => (int?)d["lastStatusCode"] == 307, "answered 307");

        Assert.Equal("pending", (string?)moved["status"]);
        Assert.Equal("redirects are not followed", (string?)moved["lastError"]);
        await Task.Delay(200);
        Assert.DoesNotContain(_receiver.Received, e => e.Path == "/elsewhere");
    }

    [Fact]
    public async Task DeliveryLog_FiltersPagesAndRefusesBadInput()
    {
        Start(("/hooks", []));
        await PlaceAsync();
        for (var i = 0; i < 3; i++)
            await _acme.PostJsonAsync("/v1/dnc", new { phone = $"+1415555{i + 300:D4}", reason = "asked" });
        await _receiver.WaitForAsync(r => r.Count == 4, "four events");
        await DeliveryWhenAsync(d => (string?)d["type"] == "dnc.added" && (string?)d["status"] == "delivered", "logged");

        Assert.Equal(3, (await DeliveriesAsync("?type=dnc.added")).Count);
        Assert.Single(await DeliveriesAsync("?type=call.placed&seller=acme&status=delivered,failed"));
        Assert.Empty(await DeliveriesAsync("?status=failed"));
        Assert.Empty(await DeliveriesAsync($"?to={Uri.EscapeDataString(_app.Time.GetUtcNow().AddMinutes(-1).ToString("O"))}"));
        using var supervisor = _app.ClientWithKey(VoiceProxyApplication.SupervisorKey);
        var (_, first) = await supervisor.GetJsonAsync("/v1/webhooks/deliveries?limit=3");
        var (_, rest) = await supervisor.GetJsonAsync($"/v1/webhooks/deliveries?limit=3&cursor={first["nextCursor"]}");
        Assert.Equal(3, first["items"]!.AsArray().Count);
        Assert.Single(rest["items"]!.AsArray());
        Assert.Null(rest["nextCursor"]);
        var ids = first["items"]!.AsArray().Concat(rest["items"]!.AsArray()).Select(d => (long)d!["id"]!).ToList();
        Assert.Equal(ids.OrderDescending(), ids);

        foreach (var bad in new[] { "?status=lost", "?type=call.nope", "?seller=nobody", "?limit=0", "?cursor=x" })
        {
            var (status, problem) = await supervisor.GetJsonAsync("/v1/webhooks/deliveries" + bad);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("https://voiceproxy.dev/problems/validation", (string?)problem["type"]);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await _acme.GetAsync("/v1/webhooks/deliveries")).StatusCode);
    }

    [Fact]
    public async Task NoSubscription_NothingWritten()
    {
        _app = new VoiceProxyApplication();
        _acme = _app.Acme();
        await PlaceAsync();

        Assert.Equal(0, _app.Query(db => db.EventDeliveries.Count()));
        Assert.Empty(await DeliveriesAsync());
    }

    [Fact]
    public async Task Body_IsTheOneWrittenWithTheChange_SignedAsSent()
    {
        Start(("/hooks", ["dnc.added"]));
        Assert.Equal(HttpStatusCode.Created,
            (await _acme.PostJsonAsync("/v1/dnc", new { phone = "+14155550125", reason = "asked" })).Status);
        var received = Assert.Single(await _receiver.WaitForAsync(r => r.Count == 1, "one event"));

        var row = _app.Query(db => db.EventDeliveries.Single());
        Assert.Equal(row.Body, received.Raw);
        Assert.Equal(row.EventId, received.WebhookId);
        Assert.Equal(_app.Time.GetUtcNow().ToUnixTimeSeconds(), received.Timestamp);
        await DeliveryWhenAsync(d => (string?)d["status"] == DeliveryStatus.Delivered, "delivered");
    }

    [Fact]
    public async Task Erasure_TakesTheBodiesAndStopsTheRetries()
    {
        Start(("/down", []));
        _receiver.Respond = (_, _) => Task.FromResult(503);
        await PlaceAsync();
        await DeliveryWhenAsync(d => (int)d["attempts"]! == 1, "tried once");
        using var admin = _app.ClientWithKey(VoiceProxyApplication.AdminKey);

        var (status, _) = await admin.PostJsonAsync("/v1/privacy/erasures",
            new { phone = Phone, reason = "asked to be forgotten" });
        _app.Time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(HttpStatusCode.OK, status);
        var erased = await DeliveryWhenAsync(d => (string?)d["status"] == "failed", "failed");
        Assert.Equal("not sent: personal data erased", (string?)erased["lastError"]);
        Assert.All(_app.Query(db => db.EventDeliveries.Select(d => d.Body).ToList()), Assert.Null);
        await Task.Delay(300);
        Assert.Single(_receiver.Received);
        Assert.Equal(HttpStatusCode.Conflict,
            (await admin.PostAsync($"/v1/webhooks/deliveries/{erased["id"]}/retry", null)).StatusCode);
    }
}
