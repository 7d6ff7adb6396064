using System.Security.Claims;
using Microsoft.Extensions.Options;
using VoiceProxy.Security;

namespace VoiceProxy.Infrastructure;

/// <summary>Which seller's data a request may see: a Caller key its own; a Supervisor the one it names.</summary>
internal static class SellerScope
{
    /// <summary>The seller to read for; null with an error when a Supervisor must name one and did not.</summary>
    public static (string? Seller, string? Error) ForRead(ClaimsPrincipal user, string? requested, VoiceProxyOptions options)
    {
        if (user.BoundSeller() is { } own)
            return requested is null || requested == own ? (own, null) : (null, "A Caller key reads only its own seller's data.");
        if (requested is not null)
            return options.FindSeller(requested) is null ? (null, $"Unknown seller '{requested}'.") : (requested, null);
        return options.Sellers.Count == 1 ? (options.Sellers[0].Id, null) : (null, "Name the seller with ?seller=.");
    }
}
