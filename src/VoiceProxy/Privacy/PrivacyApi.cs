using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using VoiceProxy.Infrastructure;
using VoiceProxy.Security;

namespace VoiceProxy.Privacy;

public sealed record ErasureRequest(string? Phone, string? Reason);

internal static class PrivacyApi
{
    /// <summary>The eraser, and the retention sweep that runs it in the background.</summary>
    public static IServiceCollection AddPrivacy(this IServiceCollection services)
    {
        services.AddSingleton<Eraser>();
        services.AddHostedService<RetentionSweep>();
        return services;
    }

    public static RouteGroupBuilder MapPrivacy(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/privacy").WithTags("Privacy").RequireAuthorization(Policies.Admin);
        group.MapPost("/erasures", Erase);
        return group;
    }

    private static async Task<Results<Ok<ErasureResult>, ValidationProblem>> Erase(
        ErasureRequest body, ClaimsPrincipal user, Eraser eraser, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        // Any E.164 number: an erasure is never refused because the number is not one this service would call today.
        if (!Phone.IsE164(body.Phone)) errors["phone"] = ["must be an E.164 number such as +14155550123."];
        if (string.IsNullOrWhiteSpace(body.Reason)) errors["reason"] = ["is required: say who asked, and how."];
        Problems.Limit(errors, "reason", body.Reason, 1_000);
        if (errors.Count > 0) return Problems.Invalid(errors);
        return TypedResults.Ok(await eraser.EraseAsync(body.Phone!, body.Reason!, user.KeyName(), ct));
    }
}
