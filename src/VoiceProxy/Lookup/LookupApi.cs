using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;
using VoiceProxy.Security;

namespace VoiceProxy.Lookup;

/// <summary>A Lookup answer kept for a number: fresh ones are what the gate uses instead of asking again.</summary>
public sealed record CachedAnswerView(
    string Answer, string? Carrier, DateOnly? LastVerifiedDate, DateTimeOffset AskedAt, DateTimeOffset ExpiresAt, bool Fresh);

public sealed record NumberView(
    string Phone, string Seller, int CacheHours, CachedAnswerView? LineType, IReadOnlyList<CachedAnswerView> Reassigned);

internal static class LookupApi
{
    /// <summary>The latest answer per field and date that the view shows.</summary>
    private const int MaxReassignedShown = 20;

    public static RouteGroupBuilder MapLookup(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1").WithTags("Numbers");
        group.MapGet("/numbers/{phone}", Get).RequireAuthorization(Policies.CallerOrSupervisor);
        return group;
    }

    /// <summary>What Lookup said about the number, as kept: the line type (a fact about the number, shared by every seller)
    /// and the seller's reassignment answers, one per date asked about, newest first. Asks Lookup nothing.</summary>
    private static async Task<Results<Ok<NumberView>, ValidationProblem, ProblemHttpResult>> Get(
        string phone, string? seller, ClaimsPrincipal user, VoiceProxyDb db, Pseudonyms pseudonyms,
        IOptions<VoiceProxyOptions> options, IOptions<LookupOptions> lookup, TimeProvider time, CancellationToken ct)
    {
        if (Phone.ValidateNumber(phone) is { } phoneError) return Problems.Invalid("phone", phoneError);
        var (scope, problem) = SellerScope.Resolve(user, seller, options.Value);
        if (scope is null) return problem!;
        var person = pseudonyms.Of(phone);
        var hours = lookup.Value.CacheHours;
        var now = time.GetUtcNow();
        CachedAnswerView View(LookupAnswer a) => new(a.Answer!, a.Field == LookupFields.LineType ? a.Detail : null,
            a.LastVerifiedDate, a.AskedAt, a.AskedAt.AddHours(hours), a.AskedAt.AddHours(hours) > now);
        var answered = db.LookupAnswers.AsNoTracking().Where(a => a.Person == person && a.Answer != null);
        var lineType = await answered.Where(a => a.Field == LookupFields.LineType)
            .OrderByDescending(a => a.AskedAt).FirstOrDefaultAsync(ct);
        var reassigned = (await answered.Where(a => a.Field == LookupFields.Reassigned && a.Seller == scope)
                .OrderByDescending(a => a.AskedAt).Take(MaxReassignedShown * 5).ToListAsync(ct))
            .DistinctBy(a => a.LastVerifiedDate)
            .Take(MaxReassignedShown)
            .Select(View)
            .ToList();
        return TypedResults.Ok(new NumberView(phone, scope, hours, lineType is null ? null : View(lineType), reassigned));
    }
}
