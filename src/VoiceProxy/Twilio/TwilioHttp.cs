using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace VoiceProxy.Twilio;

internal static class TwilioHttp
{
    public const string ClientName = "twilio";

    /// <summary>The named client the Twilio SDK sends through: base URL rewrite, 429-only retries, and in Simulated mode an in-process answer.</summary>
    public static IServiceCollection AddTwilioHttp(this IServiceCollection services)
    {
        services.AddTransient<BaseUrlRewriteHandler>();
        services.AddSingleton<SimulatedTwilioApi>();
        services.AddHttpClient(ClientName)
            .AddHttpMessageHandler<BaseUrlRewriteHandler>()
            .ConfigurePrimaryHttpMessageHandler(sp =>
                sp.GetRequiredService<IOptions<TwilioOptions>>().Value.EffectiveMode == TwilioMode.Simulated
                    ? sp.GetRequiredService<SimulatedTwilioApi>().CreateHandler()
                    : new SocketsHttpHandler())
            .AddResilienceHandler("twilio-429", ConfigureResilience);
        return services;
    }

    /// <summary>Retry only HTTP 429: Twilio guarantees such a request was never processed; anything else may have created a call.
    /// A breaker stops asking a failing Twilio, so callers get a 503 at once instead of waiting on timeouts.</summary>
    public static void ConfigureResilience(ResiliencePipelineBuilder<HttpResponseMessage> pipeline)
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
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null || (int?)args.Outcome.Result?.StatusCode >= 500),
        });
        pipeline.AddTimeout(TimeSpan.FromSeconds(15));
    }
}

/// <summary>The SDK's base URL is fixed; this sends its requests to <c>Twilio:ApiBaseUrl</c> instead.</summary>
internal sealed class BaseUrlRewriteHandler(IOptions<TwilioOptions> options) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var target = new Uri(options.Value.ApiBaseUrl);
        if (request.RequestUri is { } uri)
            request.RequestUri = new UriBuilder(uri) { Scheme = target.Scheme, Host = target.Host, Port = target.Port }.Uri;
        return base.SendAsync(request, ct);
    }
}

/// <summary>An in-process stand-in for Twilio's REST API, used when no credentials are configured. It answers create-call
/// requests the way Twilio does and logs, loudly, that no real call was made.</summary>
internal sealed class SimulatedTwilioApi(ILogger<SimulatedTwilioApi> log, TimeProvider time)
{
    public HttpMessageHandler CreateHandler() => new Handler(this);

    private async Task<HttpResponseMessage> AnswerAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var path = request.RequestUri!.AbsolutePath;
        if (request.Method != HttpMethod.Post || !path.EndsWith("/Calls.json", StringComparison.Ordinal))
            return Json(HttpStatusCode.NotFound, new { code = 20404, message = "The simulated Twilio API only creates calls.", status = 404 });

        var form = await request.Content!.ReadAsStringAsync(ct);
        var fields = System.Web.HttpUtility.ParseQueryString(form);
        var sid = "CA" + Guid.NewGuid().ToString("N");
        var account = path.Split('/')[3];
        log.LogWarning("SIMULATED Twilio: no real call was placed (call {CallSid} to {To}). Configure Twilio:AccountSid and Twilio:AuthToken to place real calls.",
            sid, Infrastructure.Phone.Mask(fields["To"]));
        var now = time.GetUtcNow().ToString("R");
        return Json(HttpStatusCode.Created, new Dictionary<string, object?>
        {
            ["sid"] = sid, ["account_sid"] = account, ["to"] = fields["To"], ["from"] = fields["From"],
            ["status"] = "queued", ["direction"] = "outbound-api", ["api_version"] = "2010-04-01", ["date_created"] = now, ["date_updated"] = now,
            ["uri"] = $"/2010-04-01/Accounts/{account}/Calls/{sid}.json",
        });
    }

    private static HttpResponseMessage Json(HttpStatusCode status, object body) =>
        new(status) { Content = new StringContent(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json") };

    private sealed class Handler(SimulatedTwilioApi api) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct) => api.AnswerAsync(request, ct);
    }
}
