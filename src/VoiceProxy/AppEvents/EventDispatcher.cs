using System.Collections.Concurrent;
using System.Data;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StandardWebhooks;
using VoiceProxy.Audit;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.AppEvents;

/// <summary>
/// The transactional outbox's sending half, in the background, never on a request's path. Each configured subscription is a
/// lane of its own: the dispatcher claims a lane's due deliveries (a lease in the store, taken with <c>FOR UPDATE SKIP
/// LOCKED</c> on PostgreSQL, so with several instances each delivery is sent by one at a time) and sends at most
/// <see cref="EventDeliveryOptions.ConcurrencyPerSubscription"/> of them at once, so a slow or dead receiver holds up only its
/// own lane. Each attempt is signed as Standard Webhooks defines it and recorded through the group commit: a 2xx within
/// <see cref="Timeout"/> is delivered, 410 Gone disables the subscription, anything else is retried on
/// <see cref="RetrySchedule"/>. Redirects are not followed. Time comes from the injected clock.
/// </summary>
internal sealed class EventDispatcher : BackgroundService
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    /// <summary>How often due retries are looked for and disabled subscriptions re-read, when nothing wakes the loop
    /// sooner.</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    /// <summary>A lane claims up to this many times its concurrency, so the next requests are ready when one ends; whatever it
    /// holds is sent within this many timeouts, which bounds the lease.</summary>
    private const int Ahead = 4;
    private const int KeptAttempts = 20;

    private readonly StoreWriter _writer;
    private readonly Outbox _outbox;
    private readonly Journal _journal;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly ILogger<EventDispatcher> _log;
    private readonly bool _postgres;
    private readonly Dictionary<string, Lane> _lanes;
    private readonly HttpClient _http;
    private readonly int _perLane;
    private readonly ConcurrentQueue<Finished> _finished = new();
    private DateTimeOffset _disabledReadAt = DateTimeOffset.MinValue;

    public EventDispatcher(StoreWriter writer, Outbox outbox, Journal journal, IServiceScopeFactory scopes,
        IOptions<VoiceProxyOptions> options, IOptions<DatabaseOptions> database, TimeProvider time,
        ILogger<EventDispatcher> log)
    {
        (_writer, _outbox, _journal, _scopes, _time, _log) = (writer, outbox, journal, scopes, time, log);
        _postgres = database.Value.Kind == DatabaseProvider.Postgres;
        _perLane = options.Value.Events.ConcurrencyPerSubscription;
        _lanes = options.Value.Sellers
            .SelectMany(s => s.Webhooks.Select(h => new Lane(h.IdFor(s.Id), s.Id, h, _perLane)))
            .ToDictionary(l => l.Id);
        // The receiving URL comes from configuration only; a redirect would send the event somewhere it does not name.
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false, UseCookies = false, ConnectTimeout = Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        _http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("VoiceProxy-Webhooks/1");
    }

    /// <summary>The configured subscriptions by id, with their seller.</summary>
    public IReadOnlyDictionary<string, Lane> Lanes => _lanes;

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        if (_lanes.Count == 0) return;
        // SQLite serves one instance: leases left by a process that died are its own, and free now.
        if (!_postgres)
            await _writer.WriteAsync(w => w.EventDeliveries
                .Where(d => d.Status == DeliveryStatus.Pending && d.LeaseUntil != null)
                .ExecuteUpdateAsync(u => u.SetProperty(d => d.LeaseUntil, (DateTimeOffset?)null)));
        var woken = _outbox.WaitAsync(stop).AsTask();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await ReadDisabledAsync(stop);
                foreach (var (lane, delivery) in await RecordAndClaimAsync())
                    _ = SendAsync(lane, delivery, stop);
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                _log.LogError("Event dispatch failed; trying again shortly: {Error}", e.Message);
            }
            using var poll = CancellationTokenSource.CreateLinkedTokenSource(stop);
            var tick = Task.Delay(Poll, _time, poll.Token);
            await Task.WhenAny(woken, tick);
            await poll.CancelAsync();
            if (woken.IsCompleted)
            {
                if (woken.IsCanceled) return;
                woken = _outbox.WaitAsync(stop).AsTask();
            }
        }
    }

    /// <summary>An Admin enabled the subscription again (the other instances read it within <see cref="Poll"/>).</summary>
    public void Enable(string subscription)
    {
        if (_lanes.TryGetValue(subscription, out var lane)) lane.Disabled = false;
    }

    /// <summary>Subscriptions disabled here or on another instance (or enabled again by an Admin), read at most once per
    /// <see cref="Poll"/>.</summary>
    private async Task ReadDisabledAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        if (now - _disabledReadAt < Poll) return;
        _disabledReadAt = now;
        using var scope = _scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VoiceProxyDb>();
        var disabled = await db.DisabledSubscriptions.AsNoTracking().Select(d => d.Subscription).ToListAsync(ct);
        foreach (var lane in _lanes.Values) lane.Disabled = disabled.Contains(lane.Id);
    }

    /// <summary>One unit of the group commit per pass: the attempts that ended since the last pass are recorded (only while
    /// this dispatcher still holds their lease; a 410 disables its subscription), then each lane with room leases its next
    /// due deliveries, and pending deliveries of a disabled subscription fail.</summary>
    private async Task<List<(Lane, EventDelivery)>> RecordAndClaimAsync()
    {
        var done = new List<Finished>();
        while (_finished.TryDequeue(out var f)) done.Add(f);
        var wants = _lanes.Values.Select(l => (Lane: l, Room: _perLane * Ahead - Volatile.Read(ref l.Held)
                + done.Count(f => f.Lane == l)))
            .Where(w => w.Room > 0).ToList();
        if (wants.Count == 0 && done.Count == 0) return [];
        var now = _time.GetUtcNow();
        var lease = now + Timeout * (Ahead + 1);
        List<(Lane, EventDelivery)> claimed;
        try
        {
            claimed = await _writer.WriteAsync(async w =>
            {
                foreach (var f in done)
                    if (await RecordAsync(w, f) > 0 && f.Gone) await DisableAsync(w, f.Lane, f.Attempt.At);
                return await ClaimAsync(w, wants, now, lease);
            });
        }
        finally
        {
            foreach (var f in done) Interlocked.Decrement(ref f.Lane.Held);
        }
        foreach (var f in done.Where(f => f.Gone))
        {
            f.Lane.Disabled = true;
            _log.LogWarning("Subscription {Subscription} of {Seller} answered 410 Gone: disabled", f.Lane.Id, f.Lane.Seller);
        }
        foreach (var (lane, room) in wants)
        {
            var rows = claimed.Count(c => c.Item1 == lane);
            Interlocked.Add(ref lane.Held, rows);
            // A full claim means more may be waiting: the next free slot wakes the loop again.
            lane.MoreDue = rows == room;
        }
        return claimed;
    }

    private async Task<List<(Lane, EventDelivery)>> ClaimAsync(
        VoiceProxyDb w, List<(Lane Lane, int Room)> wants, DateTimeOffset now, DateTimeOffset lease)
    {
        var all = new List<(Lane, EventDelivery)>();
        foreach (var (lane, room) in wants)
        {
            if (lane.Disabled)
            {
                await FailDisabledAsync(w, lane.Id, now);
                continue;
            }
            var rows = await w.EventDeliveries
                .FromSqlRaw(_postgres ? PostgresClaim : SqliteClaim, lane.Id, room, Instant(now), Instant(lease))
                .AsNoTracking().ToListAsync();
            all.AddRange(rows.Select(r => (lane, r)));
        }
        return all;
    }

    private object Instant(DateTimeOffset at) => _postgres ? at.ToUniversalTime() : at.UtcTicks;

    private const string ClaimWhere =
        "WHERE \"Status\" = 'pending' AND \"Body\" IS NOT NULL AND \"Subscription\" = {0} " +
        "AND \"NextAttemptAt\" <= {2} " +
        "AND (\"LeaseUntil\" IS NULL OR \"LeaseUntil\" < {2}) ORDER BY \"NextAttemptAt\", \"Id\" LIMIT {1}";

    private const string SqliteClaim =
        "UPDATE event_deliveries SET \"LeaseUntil\" = {3} WHERE \"Id\" IN (SELECT \"Id\" FROM event_deliveries " +
        ClaimWhere + ") RETURNING *";

    private const string PostgresClaim =
        "UPDATE event_deliveries SET \"LeaseUntil\" = {3} WHERE \"Id\" IN (SELECT \"Id\" FROM event_deliveries " +
        ClaimWhere + " FOR UPDATE SKIP LOCKED) RETURNING *";

    private static Task<int> FailDisabledAsync(VoiceProxyDb w, string subscription, DateTimeOffset now) => w.EventDeliveries
        .Where(d => d.Subscription == subscription && d.Status == DeliveryStatus.Pending
            && (d.LeaseUntil == null || d.LeaseUntil < now))
        .ExecuteUpdateAsync(u => u
            .SetProperty(d => d.Status, DeliveryStatus.Failed)
            .SetProperty(d => d.LastError, "not sent: the subscription is disabled (the receiver answered 410 Gone)"));

    private async Task SendAsync(Lane lane, EventDelivery delivery, CancellationToken stop)
    {
        try
        {
            await lane.Slots.WaitAsync(stop);
            try
            {
                _finished.Enqueue(Outcome(lane, delivery, await AttemptAsync(lane, delivery, stop)));
                _outbox.Wake();
            }
            finally
            {
                lane.Slots.Release();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping: the lease runs out (or, on SQLite, the next start frees it) and the delivery is sent again.
            Interlocked.Decrement(ref lane.Held);
        }
    }

    /// <summary>One signed POST. The signature covers "{webhook-id}.{webhook-timestamp}.{body}" (Standard Webhooks v1); the
    /// id is the event's, the same on every attempt.</summary>
    private async Task<Attempt> AttemptAsync(Lane lane, EventDelivery delivery, CancellationToken stop)
    {
        var at = _time.GetUtcNow();
        var started = _time.GetTimestamp();
        var body = delivery.Body ?? "";
        using var request = new HttpRequestMessage(HttpMethod.Post, lane.Hook.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", delivery.EventId);
        request.Headers.Add("webhook-timestamp", at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", lane.Signer.Sign(delivery.EventId, at, body));
        using var timeout = new CancellationTokenSource(Timeout, _time);
        using var both = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stop);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, both.Token);
            var code = (int)response.StatusCode;
            var error = code is >= 200 and < 300 ? null
                : code is >= 300 and < 400 ? "redirects are not followed"
                : $"the receiver answered {code}";
            return new Attempt(at, code, error, Milliseconds(started));
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            return new Attempt(at, null, $"no answer within {Timeout.TotalSeconds:0} s", Milliseconds(started));
        }
        catch (HttpRequestException e)
        {
            return new Attempt(at, null, $"could not send: {e.HttpRequestError}", Milliseconds(started));
        }
    }

    private long Milliseconds(long started) => (long)_time.GetElapsedTime(started).TotalMilliseconds;

    /// <summary>What an attempt comes to: a 2xx is delivered, 410 fails and disables the subscription, anything else is tried
    /// again on <see cref="RetrySchedule"/> until it has failed.</summary>
    private static Finished Outcome(Lane lane, EventDelivery d, Attempt attempt)
    {
        var attempts = d.Attempts + 1;
        var ok = attempt.StatusCode is >= 200 and < 300;
        var gone = attempt.StatusCode == (int)HttpStatusCode.Gone;
        var retryIn = ok || gone || lane.Disabled ? null : RetrySchedule.After(attempts, Random.Shared.NextDouble());
        var status = ok ? DeliveryStatus.Delivered : retryIn is null ? DeliveryStatus.Failed : DeliveryStatus.Pending;
        var log = JsonSerializer.Deserialize<List<Attempt>>(d.AttemptsJson, StoredJson.Options)!;
        log.Add(attempt);
        return new Finished(lane, d, attempt, status, attempts, retryIn is { } wait ? attempt.At + wait : d.NextAttemptAt,
            JsonSerializer.Serialize(log.TakeLast(KeptAttempts), StoredJson.Options), gone);
    }

    private const string RecordSql =
        "UPDATE event_deliveries SET \"Status\" = @status, \"Attempts\" = @attempts, \"NextAttemptAt\" = @next, " +
        "\"LeaseUntil\" = NULL, \"LastAttemptAt\" = @at, \"LastStatusCode\" = @code, \"LastError\" = @error, " +
        "\"DeliveredAt\" = CASE WHEN @status = 'delivered' THEN @at ELSE \"DeliveredAt\" END, \"AttemptsJson\" = @log " +
        "WHERE \"Id\" = @id AND \"LeaseUntil\" = @lease";

    /// <summary>The attempt's outcome, only while this dispatcher still holds the lease: one prepared statement, since a busy
    /// dispatcher records thousands a second through the one writer.</summary>
    private static async Task<int> RecordAsync(VoiceProxyDb w, Finished f)
    {
        await using var command = w.Command(RecordSql);
        command.Parameter("@status", DbType.String, f.Status);
        command.Parameter("@attempts", DbType.Int32, f.Attempts);
        command.Instant(w, "@next", f.Next);
        command.Instant(w, "@at", f.Attempt.At);
        command.Parameter("@code", DbType.Int32, f.Attempt.StatusCode);
        command.Parameter("@error", DbType.String, f.Attempt.Error);
        command.Parameter("@log", DbType.String, f.LogJson);
        command.Parameter("@id", DbType.Int64, f.Delivery.Id);
        command.Instant(w, "@lease", f.Delivery.LeaseUntil!.Value);
        return await command.ExecuteNonQueryAsync();
    }

    private sealed record Finished(
        Lane Lane, EventDelivery Delivery, Attempt Attempt, string Status, int Attempts, DateTimeOffset Next, string LogJson,
        bool Gone);

    private async Task DisableAsync(VoiceProxyDb w, Lane lane, DateTimeOffset at)
    {
        if (await w.DisabledSubscriptions.AnyAsync(s => s.Subscription == lane.Id)) return;
        const string reason = "the receiver answered 410 Gone";
        w.DisabledSubscriptions.Add(new DisabledSubscription
        {
            Subscription = lane.Id, Seller = lane.Seller, DisabledAt = at, Reason = reason,
        });
        _journal.Audit(w, "webhook.subscription_disabled", "voiceproxy", lane.Seller, lane.Id,
            new { subscription = lane.Id, reason });
        await FailDisabledAsync(w, lane.Id, at);
    }

    public override void Dispose()
    {
        _http.Dispose();
        foreach (var lane in _lanes.Values) lane.Slots.Dispose();
        base.Dispose();
    }

    /// <summary>One attempt as the delivery log shows it.</summary>
    public sealed record Attempt(DateTimeOffset At, int? StatusCode, string? Error, long Milliseconds);

    /// <summary>One subscription: where it sends, how it signs, how many requests it has in hand.</summary>
    internal sealed class Lane(string id, string seller, WebhookSubscriptionOptions hook, int concurrency)
    {
        public string Id { get; } = id;
        public string Seller { get; } = seller;
        public WebhookSubscriptionOptions Hook { get; } = hook;
        public SemaphoreSlim Slots { get; } = new(concurrency);
        public StandardWebhook Signer { get; } = new(hook.SecretBytes()!);
        /// <summary>Claimed and not yet recorded.</summary>
        public int Held;
        /// <summary>Set after a claim that filled the lane's room: more may be due, so a free slot wakes the loop.</summary>
        public volatile bool MoreDue;
        public volatile bool Disabled;
    }
}
