using Microsoft.Extensions.Options;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Telephony;

/// <summary>Every webhook must carry a valid X-Twilio-Signature for the URL Twilio requested, rebuilt from
/// VoiceProxy:PublicBaseUrl (not the Host header), so it holds behind a reverse proxy. Else 403 and nothing runs. A request
/// without a valid signature counts against its address's failure budget (ClientThrottle): once over it, 429 instead of 403.
/// A validly signed request is never counted or refused, whatever else its address sends; it goes on with a
/// <see cref="VerifiedWebhook"/> whose key names what was signed, which the handlers use to record each delivery once.</summary>
internal sealed class TwilioSignatureFilter(IOptions<TwilioOptions> twilio, IOptions<VoiceProxyOptions> options,
    ClientThrottle throttle, ILogger<TwilioSignatureFilter> log) : IEndpointFilter
{
    private readonly WebhookSignature _signature = new(twilio.Value.EffectiveAuthToken, options.Value.WebhookBaseUrl);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        string? signature = request.Headers["X-Twilio-Signature"];
        // Without a signature there is nothing to check: refused before the body is read.
        if (string.IsNullOrEmpty(signature)) return Refuse(context.HttpContext);
        var form = request.HasFormContentType
            ? await request.ReadFormAsync(context.HttpContext.RequestAborted)
            : FormCollection.Empty;
        if (_signature.Verify(request.Path.ToUriComponent(), request.QueryString.Value, form, signature) is not { } verified)
            return Refuse(context.HttpContext);
        context.HttpContext.Features.Set(verified);
        return await next(context);
    }

    private Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Refuse(HttpContext http)
    {
        if (!throttle.TryFail(http, out var wait))
        {
            ClientThrottle.SetRetryAfter(http, wait);
            return Problems.Create(429, "too-many-requests", "Too many requests",
                $"Too many webhooks without a valid signature from this address. Retry after {ClientThrottle.Seconds(wait)} s.");
        }
        log.LogWarning("Webhook refused: missing or invalid X-Twilio-Signature for {Path}", http.Request.Path.Value);
        return Problems.Create(403, "bad-signature", "Forbidden", "The request does not carry a valid X-Twilio-Signature.");
    }
}
