using Microsoft.Extensions.Options;
using Twilio.Security;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Telephony;

/// <summary>Every webhook must carry a valid X-Twilio-Signature for the URL Twilio requested, rebuilt from
/// VoiceProxy:PublicBaseUrl (not the Host header), so it holds behind a reverse proxy. Else 403 and nothing runs.</summary>
internal sealed class TwilioSignatureFilter(
    IOptions<TwilioOptions> twilio, IOptions<VoiceProxyOptions> options, ILogger<TwilioSignatureFilter> log) : IEndpointFilter
{
    private readonly RequestValidator _validator = new(twilio.Value.EffectiveAuthToken);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        var form = request.HasFormContentType
            ? await request.ReadFormAsync(context.HttpContext.RequestAborted)
            : FormCollection.Empty;
        var url = options.Value.WebhookBaseUrl + request.Path + request.QueryString;
        string? signature = request.Headers["X-Twilio-Signature"];
        var fields = form.ToDictionary(f => f.Key, f => f.Value.ToString());
        if (string.IsNullOrEmpty(signature) || !_validator.Validate(url, fields, signature))
        {
            log.LogWarning("Webhook refused: missing or invalid X-Twilio-Signature for {Path}", request.Path.Value);
            return Problems.Create(403, "bad-signature", "Forbidden", "The request does not carry a valid X-Twilio-Signature.");
        }
        return await next(context);
    }
}
