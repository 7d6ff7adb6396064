using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Security;

/// <summary>Which seller's data a request may see: a Caller key its own; a Supervisor or Admin the one it names.</summary>
internal static class SellerScope
{
    /// <summary>The seller to act for, or the problem to answer with.</summary>
    public static (string? Seller, ProblemHttpResult? Problem) Resolve(
        ClaimsPrincipal user, string? requested, VoiceProxyOptions options)
    {
        if (user.BoundSeller() is { } own)
            return requested is null || requested == own
                ? (own, null)
                : (null, Problems.Create(403, "forbidden", "Forbidden", "A Caller key sees only its own seller's data."));
        if (requested is not null)
            return options.FindSeller(requested) is null
                ? (null, Problems.Create(400, "unknown-seller", "Unknown seller", $"No seller '{requested}' is configured."))
                : (requested, null);
        return options.Sellers.Count == 1
            ? (options.Sellers[0].Id, null)
            : (null, Problems.Create(400, "seller-required", "Seller required",
                "Several sellers are configured: name one with ?seller=."));
    }
}
