using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using VoiceProxy.Audit;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;
using VoiceProxy.Security;

namespace VoiceProxy.Consent;

public sealed record ConsentEvidence(string? DisclosureText, string? PageUrl, string? IpAddress, string? UserAgent);
public sealed record ConsentRequest(
    string? Phone, string? Scope, string? Kind, DateTimeOffset? CapturedAt, string? Source, ConsentEvidence? Evidence);
public sealed record RevocationRequest(
    string? Phone, string? Scope, string? Channel, string? Note, DateTimeOffset? RequestedAt = null);

public sealed record ConsentEntryView(
    long Id, string Action, string? Scope, string? Kind, DateTimeOffset At, DateTimeOffset RecordedAt,
    string? Source, string? Channel, string? Note, JsonElement? Evidence, string RecordedBy)
{
    internal static ConsentEntryView From(ConsentEntry e) => new(
        e.Id, e.Action == ConsentAction.Grant ? "grant" : "revoke", e.Scope, e.Kind,
        e.EffectiveAt, e.RecordedAt, e.Source, e.Channel, e.Note,
        e.EvidenceJson is null ? null : JsonSerializer.Deserialize<JsonElement>(e.EvidenceJson), e.RecordedBy);
}

public sealed record ScopeState(string State, string? Kind, DateTimeOffset? Since);
public sealed record ConsentView(
    string Phone, string Seller, IReadOnlyDictionary<string, ScopeState> Current, IReadOnlyList<ConsentEntryView> History);

internal static class ConsentApi
{
    public static RouteGroupBuilder MapConsents(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/consents").WithTags("Consent");
        group.MapPost("/", Grant).RequireAuthorization(Policies.Caller);
        group.MapPost("/revocations", Revoke).RequireAuthorization(Policies.Caller);
        group.MapGet("/{phone}", Get).RequireAuthorization(Policies.CallerOrSupervisor);
        return group;
    }

    private static async Task<Results<Created<ConsentEntryView>, ValidationProblem>> Grant(
        ConsentRequest body, ClaimsPrincipal user, StoreWriter writer, Journal journal, Pseudonyms pseudonyms, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        if (Phone.ValidateNumber(body.Phone) is { } phoneError) errors["phone"] = [phoneError];
        if (!Purposes.Names.Contains(body.Scope)) errors["scope"] = ["must be 'transactional' or 'marketing'."];
        if (body.Kind is not (ConsentKinds.Express or ConsentKinds.ExpressWritten))
            errors["kind"] = ["must be 'express' or 'express_written'."];
        if (body.Kind == ConsentKinds.ExpressWritten && string.IsNullOrWhiteSpace(body.Evidence?.DisclosureText))
            errors["evidence.disclosureText"] =
                ["is required for express_written consent: keep the disclosure exactly as shown."];
        if (body.CapturedAt > now) errors["capturedAt"] = ["may not be in the future."];
        Problems.Limit(errors, "source", body.Source, 500);
        Problems.Limit(errors, "evidence.disclosureText", body.Evidence?.DisclosureText, 20_000);
        Problems.Limit(errors, "evidence.pageUrl", body.Evidence?.PageUrl, 2_000);
        Problems.Limit(errors, "evidence.ipAddress", body.Evidence?.IpAddress, 100);
        Problems.Limit(errors, "evidence.userAgent", body.Evidence?.UserAgent, 2_000);
        if (errors.Count > 0) return Problems.Invalid(errors);

        var seller = user.BoundSeller()!;
        var entry = new ConsentEntry
        {
            Seller = seller, Phone = body.Phone!, Action = ConsentAction.Grant, Scope = body.Scope, Kind = body.Kind,
            EffectiveAt = body.CapturedAt ?? now, RecordedAt = now, Source = body.Source, RecordedBy = user.KeyName(),
            EvidenceJson = body.Evidence is null ? null : JsonSerializer.Serialize(body.Evidence, StoredJson.Options),
        };
        await writer.WriteAsync(w =>
        {
            w.Consents.Add(entry);
            // The number, the evidence (address, browser, page, disclosure) and the source are personal data.
            var person = pseudonyms.Of(body.Phone!);
            journal.Audit(w, "consent.granted", user.KeyName(), seller, person, new
            {
                body.Scope, body.Kind, body.CapturedAt, person,
                personal = journal.Personal(w, person, new { body.Phone, body.Source, body.Evidence }),
            });
        });
        return TypedResults.Created($"/v1/consents/{Uri.EscapeDataString(entry.Phone)}", ConsentEntryView.From(entry));
    }

    private static async Task<Results<Created<ConsentEntryView>, ValidationProblem>> Revoke(
        RevocationRequest body, ClaimsPrincipal user, StoreWriter writer, Journal journal, Pseudonyms pseudonyms,
        IRevocationScope reach, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        if (body.RequestedAt > now) errors["requestedAt"] = ["may not be in the future."];
        if (Phone.ValidateNumber(body.Phone) is { } phoneError) errors["phone"] = [phoneError];
        if (body.Scope is not null && !Purposes.Names.Contains(body.Scope))
            errors["scope"] = ["must be 'transactional', 'marketing', or omitted for all."];
        Problems.Limit(errors, "channel", body.Channel, 100);
        Problems.Limit(errors, "note", body.Note, 1_000);
        if (errors.Count > 0) return Problems.Invalid(errors);

        // When the consumer asked orders the history; when it was recorded is kept beside it.
        var requestedAt = body.RequestedAt ?? now;
        var (scope, widenedBy) = reach.Apply(body.Phone!, body.Scope, requestedAt, now);
        var entry = ConsentLedger.NewRevocation(
            user.BoundSeller()!, body.Phone!, scope, body.Channel ?? "api", body.Note, user.KeyName(), requestedAt, now);
        await writer.WriteAsync(w =>
        {
            w.Consents.Add(entry);
            var person = pseudonyms.Of(body.Phone!);
            journal.Audit(w, "consent.revoked", user.KeyName(), entry.Seller, person, new
            {
                scope, requestedScope = body.Scope, widenedBy, requestedAt, body.Channel, person,
                personal = journal.Personal(w, person, new { body.Phone, body.Note }),
            });
            journal.Publish(w, entry.Seller, AppEventTypes.ConsentRevoked, person,
                new { phone = entry.Phone, scope = entry.Scope, channel = entry.Channel, revokedAt = entry.EffectiveAt });
        });
        return TypedResults.Created($"/v1/consents/{Uri.EscapeDataString(entry.Phone)}", ConsentEntryView.From(entry));
    }

    private static async Task<Results<Ok<ConsentView>, ValidationProblem, ProblemHttpResult>> Get(
        string phone, string? seller, ClaimsPrincipal user, VoiceProxyDb db, Pseudonyms pseudonyms,
        IOptions<VoiceProxyOptions> options, CancellationToken ct)
    {
        if (Phone.ValidateNumber(phone) is { } phoneError) return Problems.Invalid("phone", phoneError);
        var (scope, problem) = SellerScope.Resolve(user, seller, options.Value);
        if (scope is null) return problem!;

        var history = await ConsentLedger.HistoryAsync(db, scope, pseudonyms.KeyOf(phone), ct);
        var current = Purposes.Names.ToDictionary(s => s, s =>
        {
            var c = ConsentLedger.Current(history, s);
            return new ScopeState(c.State.ToString().ToLowerInvariant(), c.Kind, c.Since);
        });
        var entries = ConsentLedger.Ordered(history).Select(ConsentEntryView.From).ToList();
        return TypedResults.Ok(new ConsentView(phone, scope, current, entries));
    }
}
