using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceProxy.Audit;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;
using VoiceProxy.Security;

namespace VoiceProxy.AppEvents;

/// <summary>The delivery log's filters (init properties: the build-time request delegates bind them).</summary>
public sealed record DeliveryQuery
{
    public string? Status { get; init; }
    public string? Type { get; init; }
    public string? Seller { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public int? Limit { get; init; }
    public string? Cursor { get; init; }
}

/// <summary>One delivery of one event to one subscription, as the delivery log shows it (never the body, which names the
/// person).</summary>
public sealed record DeliveryView(
    long Id, string EventId, string Type, string Seller, string Subscription, string? Url, string Status, int Attempts,
    int? LastStatusCode, string? LastError, DateTimeOffset? NextAttemptAt, DateTimeOffset CreatedAt,
    DateTimeOffset? LastAttemptAt, DateTimeOffset? DeliveredAt, JsonElement AttemptLog);

public sealed record DeliveryPage(IReadOnlyList<DeliveryView> Items, string? NextCursor);

/// <summary>A configured subscription and how its deliveries stand.</summary>
public sealed record SubscriptionView(
    string Id, string Seller, string Url, IReadOnlyList<string> Events, DateTimeOffset? DisabledAt, string? DisabledReason,
    int Pending, int Failed, DateTimeOffset? LastFailureAt, string? LastError);

internal static class EventsApi
{
    /// <summary>The dispatcher and its HTTP client; events are written by the features through the journal.</summary>
    public static IServiceCollection AddEvents(this IServiceCollection services)
    {
        services.AddSingleton<EventDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<EventDispatcher>());
        return services;
    }

    public static RouteGroupBuilder MapEvents(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/webhooks").WithTags("Webhooks");
        group.MapGet("/deliveries", List).RequireAuthorization(Policies.Supervisor);
        group.MapGet("/subscriptions", Subscriptions).RequireAuthorization(Policies.Supervisor);
        group.MapPost("/deliveries/{id:long}/retry", Retry).RequireAuthorization(Policies.Admin);
        return group;
    }

    private static async Task<Results<Ok<DeliveryPage>, ValidationProblem>> List(
        [AsParameters] DeliveryQuery q, VoiceProxyDb db, EventDispatcher dispatcher, IOptions<VoiceProxyOptions> options,
        CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var statuses = q.Status?.Split(',', StringSplitOptions.TrimEntries) ?? [];
        if (statuses.Any(s => !DeliveryStatus.All.Contains(s)))
            errors["status"] = [$"must be one or more of {string.Join(", ", DeliveryStatus.All)}, comma-separated."];
        if (q.Type is not null && !AppEventTypes.All.Contains(q.Type))
            errors["type"] = [$"must be one of {string.Join(", ", AppEventTypes.All)}."];
        if (q.Seller is not null && options.Value.FindSeller(q.Seller) is null)
            errors["seller"] = ["is not a configured seller."];
        if (q.From is { } f && q.To is { } t && f >= t) errors["from"] = ["must be before 'to'."];
        if (q.Limit is < 1 or > 200) errors["limit"] = ["must be between 1 and 200."];
        long? after = null;
        if (q.Cursor is not null)
        {
            if (long.TryParse(q.Cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) after = id;
            else errors["cursor"] = ["is not a cursor this list gave."];
        }
        if (errors.Count > 0) return Problems.Invalid(errors);

        var rows = db.EventDeliveries.AsNoTracking();
        if (statuses.Length > 0) rows = rows.Where(d => statuses.Contains(d.Status));
        if (q.Type is not null) rows = rows.Where(d => d.Type == q.Type);
        if (q.Seller is not null) rows = rows.Where(d => d.Seller == q.Seller);
        if (q.From is { } from) rows = rows.Where(d => d.CreatedAt >= from);
        if (q.To is { } to) rows = rows.Where(d => d.CreatedAt < to);
        if (after is { } before) rows = rows.Where(d => d.Id < before);
        var limit = q.Limit ?? 50;
        var page = await rows.OrderByDescending(d => d.Id).Take(limit + 1).ToListAsync(ct);
        var items = page.Take(limit).Select(d => View(d, dispatcher)).ToList();
        var next = page.Count > limit ? items[^1].Id.ToString(CultureInfo.InvariantCulture) : null;
        return TypedResults.Ok(new DeliveryPage(items, next));
    }

    private static async Task<Ok<List<SubscriptionView>>> Subscriptions(
        VoiceProxyDb db, EventDispatcher dispatcher, CancellationToken ct)
    {
        var disabled = await db.DisabledSubscriptions.AsNoTracking().ToDictionaryAsync(d => d.Subscription, ct);
        var counts = await db.EventDeliveries.AsNoTracking()
            .Where(d => d.Status != DeliveryStatus.Delivered)
            .GroupBy(d => new { d.Subscription, d.Status })
            .Select(g => new { g.Key.Subscription, g.Key.Status, Count = g.Count() })
            .ToListAsync(ct);
        var views = new List<SubscriptionView>();
        foreach (var lane in dispatcher.Lanes.Values)
        {
            var last = await db.EventDeliveries.AsNoTracking()
                .Where(d => d.Subscription == lane.Id && d.LastError != null)
                .OrderByDescending(d => d.LastAttemptAt)
                .Select(d => new { d.LastAttemptAt, d.LastError })
                .FirstOrDefaultAsync(ct);
            int Count(string status) =>
                counts.FirstOrDefault(c => c.Subscription == lane.Id && c.Status == status)?.Count ?? 0;
            var off = disabled.GetValueOrDefault(lane.Id);
            views.Add(new SubscriptionView(lane.Id, lane.Seller, lane.Hook.Url,
                lane.Hook.Events.Count == 0 ? AppEventTypes.All : lane.Hook.Events, off?.DisabledAt, off?.Reason,
                Count(DeliveryStatus.Pending), Count(DeliveryStatus.Failed), last?.LastAttemptAt, last?.LastError));
        }
        return TypedResults.Ok(views);
    }

    /// <summary>Puts a delivery back in the queue to be sent now, whatever its status (a delivered one is sent again, with the
    /// same webhook-id). A subscription disabled by 410 Gone is enabled again: the Admin says the receiver is back.</summary>
    private static async Task<Results<Accepted<DeliveryView>, ProblemHttpResult>> Retry(
        long id, ClaimsPrincipal user, VoiceProxyDb db, StoreWriter writer, Journal journal, Outbox outbox,
        EventDispatcher dispatcher, TimeProvider time, CancellationToken ct)
    {
        var delivery = await db.EventDeliveries.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct);
        if (delivery is null) return Problems.NotFound("The delivery");
        if (!dispatcher.Lanes.ContainsKey(delivery.Subscription))
            return Problems.Create(409, "subscription-gone", "Subscription not configured",
                "The subscription this delivery was written for is no longer configured (its URL changed or was removed).");
        if (delivery.Body is null)
            return Problems.Create(409, "erased", "Personal data erased",
                "The event named a person whose data was erased since; it cannot be sent again.");
        var now = time.GetUtcNow();
        await writer.WriteAsync(async w =>
        {
            await w.EventDeliveries.Where(d => d.Id == id).ExecuteUpdateAsync(u => u
                .SetProperty(d => d.Status, DeliveryStatus.Pending)
                .SetProperty(d => d.NextAttemptAt, now));
            var enabled = await w.DisabledSubscriptions.Where(s => s.Subscription == delivery.Subscription).ExecuteDeleteAsync();
            journal.Audit(w, "webhook.retried", user.KeyName(), delivery.Seller, delivery.EventId,
                new { delivery = id, delivery.EventId, delivery.Subscription, subscriptionEnabled = enabled > 0 });
        });
        dispatcher.Enable(delivery.Subscription);
        outbox.Wake();
        var retried = await db.EventDeliveries.AsNoTracking().FirstAsync(d => d.Id == id, ct);
        return TypedResults.Accepted($"/v1/webhooks/deliveries?cursor={id + 1}", View(retried, dispatcher));
    }

    private static DeliveryView View(EventDelivery d, EventDispatcher dispatcher) => new(
        d.Id, d.EventId, d.Type, d.Seller, d.Subscription, dispatcher.Lanes.GetValueOrDefault(d.Subscription)?.Hook.Url,
        d.Status, d.Attempts, d.LastStatusCode, d.LastError, d.Status == DeliveryStatus.Pending ? d.NextAttemptAt : null,
        d.CreatedAt, d.LastAttemptAt, d.DeliveredAt, JsonSerializer.Deserialize<JsonElement>(d.AttemptsJson));
}
