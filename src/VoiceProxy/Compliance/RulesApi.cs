using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using VoiceProxy.Audit;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;
using VoiceProxy.Security;

namespace VoiceProxy.Compliance;

public sealed record RestrictedDateRequest(string? State, string? From, string? To, string? AppliesTo, string? Citation);
public sealed record RestrictedDateEnd(string? Reason);

public sealed record RestrictedDateView(
    string Id, string State, DateOnly From, DateOnly To, string AppliesTo, string Citation, DateTimeOffset CreatedAt,
    string CreatedBy, DateTimeOffset? EndedAt, string? EndedBy, string? EndReason)
{
    internal static RestrictedDateView Of(RestrictedDate r) => new(
        r.Id, r.State, r.From, r.To, r.AppliesTo, r.Citation, r.CreatedAt, r.CreatedBy, r.EndedAt, r.EndedBy, r.EndReason);
}

/// <summary>The rule book in force at an instant (<c>GET /v1/rules</c>), with the dates restricted at run time around it.
/// </summary>
public sealed record RulesView(
    DateTimeOffset At, string Version, string Label, string Sha256, JsonElement Rules,
    IReadOnlyList<RestrictedDateView> RestrictedDates);

internal static class RulesApi
{
    public static RouteGroupBuilder MapRules(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/rules").WithTags("Rules");
        group.MapGet("/", Get).RequireAuthorization(Policies.Supervisor);
        group.MapGet("/restricted-dates", List).RequireAuthorization(Policies.Supervisor);
        group.MapPost("/restricted-dates", Add).RequireAuthorization(Policies.Admin);
        group.MapDelete("/restricted-dates/{id}", End).RequireAuthorization(Policies.Admin);
        return group;
    }

    private static async Task<Results<Ok<RulesView>, ValidationProblem>> Get(
        string? at, Gate gate, VoiceProxyDb db, TimeProvider time, CancellationToken ct)
    {
        var instant = time.GetUtcNow();
        if (at is not null
            && !DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out instant))
            return Problems.Invalid("at", "must be an ISO 8601 instant with an offset (2026-07-15T19:00:00Z).");
        var book = gate.Settings.Rules;
        var (first, last) = RuleBook.DatesAt(instant);
        var dates = await db.RestrictedDates.AsNoTracking()
            .Where(r => r.To >= first && r.From <= last && (r.EndedAt == null || r.EndedAt > instant))
            .ToListAsync(ct);
        var rules = JsonSerializer.SerializeToElement(book.InForceAt(instant), RuleBook.Json);
        return TypedResults.Ok(new RulesView(instant, book.Version, book.Label, book.Sha256, rules,
            dates.OrderBy(r => r.State, StringComparer.Ordinal).ThenBy(r => r.From).Select(RestrictedDateView.Of).ToList()));
    }

    private static async Task<Ok<List<RestrictedDateView>>> List(VoiceProxyDb db, CancellationToken ct)
    {
        var rows = await db.RestrictedDates.AsNoTracking().ToListAsync(ct);
        return TypedResults.Ok(rows.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id, StringComparer.Ordinal)
            .Select(RestrictedDateView.Of).ToList());
    }

    private static async Task<Results<Created<RestrictedDateView>, ValidationProblem>> Add(
        RestrictedDateRequest body, ClaimsPrincipal user, NpaTable npa, StoreWriter writer, Journal journal, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        if (body.State is null || !npa.States.Contains(body.State))
            errors["state"] =
                ["must be a US state, DC or territory code (LA) or a Canadian province code (CA-ON), in upper case."];
        var from = Date(errors, "from", body.From);
        var to = Date(errors, "to", body.To);
        if (from > to) errors["to"] = ["may not be before from."];
        else if (from is { } f && to is { } t && t.DayNumber - f.DayNumber >= 366)
            errors["to"] = ["must be within 366 days of from."];
        if (to < RuleBook.DatesAt(now).First) errors["to"] = ["is already past: a restriction must reach today or later."];
        if (body.AppliesTo is not ("any" or "marketing")) errors["appliesTo"] = ["must be 'any' or 'marketing'."];
        if (string.IsNullOrWhiteSpace(body.Citation))
            errors["citation"] = ["is required: name the declaration, order or proclamation."];
        Problems.Limit(errors, "citation", body.Citation, 1_000);
        if (errors.Count > 0) return Problems.Invalid(errors);

        var row = new RestrictedDate
        {
            Id = Guid.CreateVersion7(now).ToString(), State = body.State!, From = from!.Value, To = to!.Value,
            AppliesTo = body.AppliesTo!, Citation = body.Citation!.Trim(), CreatedAt = now, CreatedBy = user.KeyName(),
        };
        await writer.WriteAsync(w =>
        {
            w.RestrictedDates.Add(row);
            journal.Audit(w, "rules.restricted_date_added", user.KeyName(), null, row.Id,
                new { row.Id, row.State, row.From, row.To, row.AppliesTo, row.Citation });
        });
        return TypedResults.Created($"/v1/rules/restricted-dates/{row.Id}", RestrictedDateView.Of(row));
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> End(
        string id, [FromBody] RestrictedDateEnd? body, ClaimsPrincipal user, StoreWriter writer, Journal journal,
        TimeProvider time)
    {
        if (string.IsNullOrWhiteSpace(body?.Reason) || body.Reason.Length > 1_000)
            return Problems.Invalid("reason", "is required (at most 1000 characters): say why the restriction ends early.");
        var now = time.GetUtcNow();
        // Ended once, by a conditional update: a second request (here or on another instance) finds nothing to end.
        var ended = await writer.WriteAsync(async w =>
        {
            var count = await w.RestrictedDates.Where(r => r.Id == id && r.EndedAt == null).ExecuteUpdateAsync(u => u
                .SetProperty(r => r.EndedAt, now).SetProperty(r => r.EndedBy, user.KeyName())
                .SetProperty(r => r.EndReason, body.Reason));
            if (count == 1)
                journal.Audit(w, "rules.restricted_date_ended", user.KeyName(), null, id, new { id, body.Reason });
            return count == 1;
        });
        return ended ? TypedResults.NoContent() : Problems.NotFound("A restricted date in force with this id");
    }

    private static DateOnly? Date(Dictionary<string, string[]> errors, string field, string? value)
    {
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return date;
        errors[field] = ["is required: a local date in the state, yyyy-MM-dd."];
        return null;
    }
}
