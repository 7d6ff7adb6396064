using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace VoiceProxy.Telephony;

internal static class TwilioHttp
{
    public const string ClientName = "twilio";
    public const string LookupClientName = "twilio-lookup";
    public const string LookupHost = "lookups.twilio.com";

    /// <summary>The named client the Twilio SDK sends through: base URL rewrite, 429-only retries, and in Simulated mode an
    /// in-process answer.</summary>
    internal static IServiceCollection AddTwilioHttp(this IServiceCollection services)
    {
        services.TryAddTransient<BaseUrlRewriteHandler>();
        services.AddSingleton<SimulatedTwilioApi>();
        services.AddHttpClient(ClientName)
            .AddHttpMessageHandler<BaseUrlRewriteHandler>()
            .ConfigurePrimaryHttpMessageHandler(sp =>
                sp.GetRequiredService<IOptions<TwilioOptions>>().Value.EffectiveMode == TwilioMode.Simulated
                    ? sp.GetRequiredService<SimulatedTwilioApi>().CreateHandler()
                    // The SDK's client lives as long as the process: recycle connections so DNS changes are seen.
                    : new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
            .AddResilienceHandler("twilio-429", p => ConfigureResilience(p, TimeSpan.FromSeconds(15)));
        return services;
    }

    /// <summary>A client of its own for Lookup, whose answers the gate waits for: its own breaker (a failing Lookup does not
    /// stop calls being placed, nor the reverse), the same 429-only retries, and a shorter timeout.</summary>
    internal static IServiceCollection AddLookupHttp(
        this IServiceCollection services, Func<IServiceProvider, HttpMessageHandler> simulated,
        Func<IServiceProvider, TimeSpan> timeout)
    {
        // Also on its own (the scrub command has no calls client).
        services.TryAddTransient<BaseUrlRewriteHandler>();
        services.AddHttpClient(LookupClientName)
            .AddHttpMessageHandler<BaseUrlRewriteHandler>()
            .ConfigurePrimaryHttpMessageHandler(sp =>
                sp.GetRequiredService<IOptions<TwilioOptions>>().Value.EffectiveMode == TwilioMode.Simulated
                    ? simulated(sp)
                    : new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
            .AddResilienceHandler("twilio-lookup-429", (p, context) => ConfigureResilience(p, timeout(context.ServiceProvider)));
        return services;
    }

    /// <summary>Retry only HTTP 429: Twilio guarantees such a request was never processed; anything else may have created a call.
    /// A breaker stops asking a failing Twilio, so callers get a 503 at once instead of waiting on timeouts.</summary>
    public static void ConfigureResilience(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, TimeSpan timeout)
    {
        // Backoff and breaker timing are about the network, so they run on the real clock even when the business clock is faked.
        pipeline.TimeProvider = TimeProvider.System;
        pipeline.AddRetry(new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = 3,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(500),
            ShouldRetryAfterHeader = true,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result?.StatusCode == HttpStatusCode.TooManyRequests),
        });
        pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
        {
            FailureRatio = 0.5,
            MinimumThroughput = 5,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = TimeSpan.FromSeconds(15),
            ShouldHandle = args =>
                ValueTask.FromResult(args.Outcome.Exception is not null || (int?)args.Outcome.Result?.StatusCode >= 500),
        });
        pipeline.AddTimeout(timeout);
    }
}

/// <summary>The SDK's base URLs are fixed; this sends its requests to <c>Twilio:ApiBaseUrl</c> instead, and those for Lookup
/// to <c>Twilio:LookupBaseUrl</c>.</summary>
internal sealed class BaseUrlRewriteHandler(IOptions<TwilioOptions> options) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var o = options.Value;
        var target = new Uri(request.RequestUri?.Host == TwilioHttp.LookupHost ? o.LookupBaseUrl : o.ApiBaseUrl);
        if (request.RequestUri is { } uri)
            request.RequestUri = new UriBuilder(uri) { Scheme = target.Scheme, Host = target.Host, Port = target.Port }.Uri;
        return base.SendAsync(request, ct);
    }
}
