using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace VoiceProxy.Infrastructure;

/// <summary>Per-key rate limiting, per-address limits on failures and health, and a cap on request bodies.</summary>
internal static class RequestLimits
{
    /// <summary>A token bucket per API key (by its configured name; never the key itself); unauthenticated requests are not
    /// limited here (they are refused or are signed Twilio webhooks).</summary>
    public static IServiceCollection AddRequestLimits(this IServiceCollection services)
    {
        // Traffic without a valid key is limited per client address instead (ClientThrottle, UseClientThrottle).
        services.AddSingleton<ClientThrottle>();
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                var key = http.User.Identity?.IsAuthenticated == true ? http.User.Identity.Name! : "";
                if (key.Length == 0) return RateLimitPartition.GetNoLimiter(key);
                var limits = http.RequestServices.GetRequiredService<IOptions<VoiceProxyOptions>>().Value.Limits;
                return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.Burst, TokensPerPeriod = limits.PermitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1), QueueLimit = 0, AutoReplenishment = true,
                });
            });
            o.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
                    ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))
                    : 1;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await Problems.Write(context.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests",
                    $"This API key is sending requests too fast; retry after {retryAfter} s.");
            };
        });
        return services;
    }

    /// <summary>Refuses a declared body over the limit at once, and has the server enforce it on bodies of unknown
    /// length. An endpoint that bounds its body itself says so with <see cref="IRequestSizeLimitMetadata"/> (the
    /// scrub, which counts rows).</summary>
    public static IApplicationBuilder UseBodySizeLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is { MaxRequestBodySize: null })
        {
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } unbounded)
                unbounded.MaxRequestBodySize = null;
            await next(context);
            return;
        }
        var limit = context.RequestServices.GetRequiredService<IOptions<VoiceProxyOptions>>().Value.Limits.MaxBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            await Problems.Write(context, StatusCodes.Status413PayloadTooLarge, "Payload too large",
                $"Request bodies are limited to {limit} bytes.");
            return;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = limit;
        await next(context);
    });
}
