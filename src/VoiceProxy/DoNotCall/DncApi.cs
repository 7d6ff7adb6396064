using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using VoiceProxy.Audit;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;
using VoiceProxy.Security;

namespace VoiceProxy.DoNotCall;

public sealed record DncRequest(string? Phone, string? Reason);
public sealed record DncRemoval(string? Reason);
public sealed record InternalListing(bool Listed, DateTimeOffset? Since, string? Reason);
public sealed record RegistryListing(string List, bool Listed, DateOnly? AsOf);
public sealed record DncView(
    string Phone, string Seller, InternalListing Internal, RegistryListing National, IReadOnlyList<RegistryListing> States);

internal static class DncApi
{
    public static RouteGroupBuilder MapDoNotCall(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1").WithTags("Do not call");
        group.MapPost("/dnc", Add).RequireAuthorization(Policies.Caller);
        group.MapGet("/dnc/{phone}", Get).RequireAuthorization(Policies.CallerOrSupervisor);
        group.MapDelete("/dnc/{phone}", Remove).RequireAuthorization(Policies.Admin);
        group.MapGet("/registry", (IDncRegistry registry, TimeProvider time, IOptions<VoiceProxyOptions> o) =>
            TypedResults.Ok(registry.Status(
                DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime), o.Value.Registry.MaxAgeDays)))
            .RequireAuthorization(Policies.Supervisor);
        return group;
    }

    private static async Task<Results<Created<DncView>, ValidationProblem>> Add(
        DncRequest body, ClaimsPrincipal user, VoiceProxyDb db, StoreWriter writer, Journal journal, TimeProvider time,
        IDncRegistry registry, Pseudonyms pseudonyms, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (Phone.ValidateNumber(body.Phone) is { } phoneError) errors["phone"] = [phoneError];
        if (string.IsNullOrWhiteSpace(body.Reason)) errors["reason"] = ["is required."];
        Problems.Limit(errors, "reason", body.Reason, 1_000);
        if (errors.Count > 0) return Problems.Invalid(errors);

        var seller = user.BoundSeller()!;
        await writer.WriteAsync(w =>
        {
            w.DncEntries.Add(InternalDnc.NewAddition(seller, body.Phone!, body.Reason!, user.KeyName(), time.GetUtcNow()));
            var person = pseudonyms.Of(body.Phone!);
            journal.Audit(w, "dnc.added", user.KeyName(), seller, person,
                new { person, personal = journal.Personal(w, person, new { body.Phone, body.Reason }) });
            journal.Publish(w, seller, AppEventTypes.DncAdded, person,
                new { phone = body.Phone, channel = "api", addedAt = time.GetUtcNow() });
        });
        return TypedResults.Created(
            $"/v1/dnc/{Uri.EscapeDataString(body.Phone!)}", await ViewAsync(db, registry, pseudonyms, seller, body.Phone!, ct));
    }

    private static async Task<Results<Ok<DncView>, ValidationProblem, ProblemHttpResult>> Get(
        string phone, string? seller, ClaimsPrincipal user, VoiceProxyDb db, IDncRegistry registry, Pseudonyms pseudonyms,
        IOptions<VoiceProxyOptions> options, CancellationToken ct)
    {
        if (Phone.ValidateNumber(phone) is { } phoneError) return Problems.Invalid("phone", phoneError);
        var (scope, problem) = SellerScope.Resolve(user, seller, options.Value);
        if (scope is null) return problem!;
        return TypedResults.Ok(await ViewAsync(db, registry, pseudonyms, scope, phone, ct));
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Remove(
        string phone, string? seller, [FromBody] DncRemoval? body, ClaimsPrincipal user, VoiceProxyDb db,
        StoreWriter writer, Journal journal, Pseudonyms pseudonyms, TimeProvider time, IOptions<VoiceProxyOptions> options,
        CancellationToken ct)
    {
        if (Phone.ValidateNumber(phone) is { } phoneError) return Problems.Invalid("phone", phoneError);
        if (string.IsNullOrWhiteSpace(body?.Reason) || body.Reason.Length > 1_000)
            return Problems.Invalid(
                "reason", "is required (at most 1000 characters): say why the number may be called again.");
        var (scope, problem) = SellerScope.Resolve(user, seller, options.Value);
        if (scope is null) return problem!;
        if (await InternalDnc.CurrentAsync(db, scope, pseudonyms.KeyOf(phone), ct) is not { } current)
            return Problems.NotFound("The number on this seller's do-not-call list");

        await writer.WriteAsync(w =>
        {
            w.DncEntries.Add(new DncEntry
            {
                // Removed under the spelling that put it on the list: the number, or its erased marker.
                Seller = scope, Phone = current.Phone, Action = DncAction.Remove, Reason = body.Reason, At = time.GetUtcNow(),
                RecordedBy = user.KeyName(),
            });
            var person = pseudonyms.Of(phone);
            journal.Audit(w, "dnc.removed", user.KeyName(), scope, person,
                new { person, personal = journal.Personal(w, person, new { phone, body.Reason }) });
            journal.Publish(w, scope, AppEventTypes.DncRemoved, person, new { phone, removedAt = time.GetUtcNow() });
        });
        return TypedResults.NoContent();
    }

    private static async Task<DncView> ViewAsync(
        VoiceProxyDb db, IDncRegistry registry, Pseudonyms pseudonyms, string seller, string phone, CancellationToken ct)
    {
        var entry = await InternalDnc.CurrentAsync(db, seller, pseudonyms.KeyOf(phone), ct);
        // The national list of the number's country: the US registry, or Canada's DNCL.
        var national = registry.Check(Phone.IsCanadian(phone) ? RegistryLists.NationalCanada : RegistryLists.National, phone);
        var states = registry.Lists
            .Where(l => l.StartsWith("state:", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(l => ToListing(registry.Check(l, phone)))
            .ToList();
        var listing = new InternalListing(entry is not null, entry?.At, entry?.Reason);
        return new DncView(phone, seller, listing, ToListing(national), states);
    }

    private static RegistryListing ToListing(RegistryFact f) => new(f.List, f.Listed, f.AsOf);
}
