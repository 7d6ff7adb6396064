using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Data;

/// <summary>What a delivery of an event to a subscription has come to.</summary>
public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
    public static readonly string[] All = [Pending, Delivered, Failed];
}

/// <summary>
/// The transactional outbox's writing half. An event for the seller's app is added, one row per subscription that wants it,
/// to the unit of the group commit that makes the change it reports: it commits with the change or not at all, so a crash
/// can neither lose an event nor send one for a change that did not commit. A seller without a subscription for the type
/// costs nothing. After a commit that added events the dispatcher is woken (<see cref="Committed"/>); it sends them later, never
/// on the request's path.
/// </summary>
internal sealed class Outbox(IOptions<VoiceProxyOptions> options, TimeProvider time)
{
    private readonly Dictionary<string, (string Id, WebhookSubscriptionOptions Hook)[]> _subscriptions =
        options.Value.Sellers.ToDictionary(s => s.Id, s => s.Webhooks.Select(h => (h.IdFor(s.Id), h)).ToArray());
    private readonly Channel<bool> _added = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private int _pending;

    /// <summary>Adds the event <paramref name="type"/> about <paramref name="data"/> to the unit's store, for each of the
    /// seller's subscriptions that wants it. <paramref name="person"/> is the pseudonym of the person it names (an erasure
    /// finds it by this). Only <paramref name="db"/> is changed, so a unit may run it again.</summary>
    public void Add(VoiceProxyDb db, string seller, string type, string? person, object data)
    {
        if (!_subscriptions.TryGetValue(seller, out var hooks) || !hooks.Any(h => h.Hook.Wants(type))) return;
        var at = time.GetUtcNow();
        var id = "evt_" + Guid.CreateVersion7(at).ToString("N");
        var body = JsonSerializer.Serialize(new { id, type, createdAt = at, seller, data }, StoredJson.Options);
        foreach (var (subscription, hook) in hooks)
            if (hook.Wants(type))
                db.EventDeliveries.Add(new EventDelivery
                {
                    EventId = id, Seller = seller, Type = type, Subscription = subscription, CreatedAt = at, Body = body,
                    Person = person, Status = DeliveryStatus.Pending, NextAttemptAt = at,
                });
        Volatile.Write(ref _pending, 1);
    }

    /// <summary>The writer calls this after each commit: events added since the last one wake the dispatcher.</summary>
    public void Committed()
    {
        if (Volatile.Read(ref _pending) == 1 && Interlocked.Exchange(ref _pending, 0) == 1) Wake();
    }

    /// <summary>Wakes the dispatcher (also after a delivery is put back in the queue by hand).</summary>
    public void Wake() => _added.Writer.TryWrite(true);

    /// <summary>Completes when events were committed or <see cref="Wake"/> was called since the last wait.</summary>
    public ValueTask<bool> WaitAsync(CancellationToken ct) => _added.Reader.ReadAsync(ct);
}

/// <summary>The call record as the <c>call.placed</c> event carries it: without its timeline, and with <c>id</c> and <c>to</c>
/// named <c>callId</c> and <c>phone</c>, as in every call event.</summary>
public sealed record CallEventData(
    string CallId, string Phone, string Seller, string From, string Purpose, string Template, string Language,
    JsonElement Variables, string Status, string? AnsweredBy, int? DurationSeconds, string? TwilioCallSid, bool OptedOut,
    DateTimeOffset RequestedAt, DateTimeOffset UpdatedAt, JsonElement Decision)
{
    public static CallEventData Of(CallRecord c, string status, string? sid, DateTimeOffset updatedAt) => new(
        c.Id, c.To, c.Seller, c.From, c.Purpose, c.Template, c.Language,
        JsonSerializer.Deserialize<JsonElement>(c.VariablesJson), status, c.AnsweredBy, c.DurationSeconds, sid, c.OptedOut,
        c.RequestedAt, updatedAt, JsonSerializer.Deserialize<JsonElement>(c.DecisionJson));
}
