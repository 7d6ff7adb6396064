using VoiceProxy.Twiml;

namespace VoiceProxy.Telephony;

internal static class WebhooksApi
{
    /// <summary>Twilio's callbacks. Every one is signature-checked; each answers TwiML (or 204 for status). No user signs in:
    /// the signature is the authentication, so the group is anonymous to the authorization policies.</summary>
    public static RouteGroupBuilder MapTwilioWebhooks(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/twilio")
            .AllowAnonymous()
            .AddEndpointFilter<TwilioSignatureFilter>()
            .DisableAntiforgery()
            .ExcludeFromDescription();
        group.MapPost("/voice/{callId}", async (string callId, HttpRequest request, CallWebhooks hooks, CancellationToken ct) =>
            new TwimlResult((await hooks.VoiceAsync(callId, await request.ReadFormAsync(ct), Token(request), ct)).Response));
        group.MapPost("/gather/{callId}",
            async (string callId, int? attempt, HttpRequest request, CallWebhooks hooks, CancellationToken ct) =>
            {
                var form = await request.ReadFormAsync(ct);
                return new TwimlResult((await hooks.GatherAsync(callId, attempt ?? 0, form, Token(request), ct)).Response);
            });
        group.MapPost("/status/{callId}", async (string callId, HttpRequest request, CallWebhooks hooks, CancellationToken ct) =>
        {
            await hooks.StatusAsync(callId, await request.ReadFormAsync(ct), Token(request), ct);
            return TypedResults.NoContent();
        });
        group.MapPost("/amd/{callId}", async (string callId, HttpRequest request, CallWebhooks hooks, CancellationToken ct) =>
        {
            await hooks.AmdAsync(callId, await request.ReadFormAsync(ct), Token(request), ct);
            return TypedResults.NoContent();
        });
        group.MapPost("/voicemail/{callId}",
            async (string callId, HttpRequest request, CallWebhooks hooks, CancellationToken ct) =>
            {
                var form = await request.ReadFormAsync(ct);
                return new TwimlResult((await hooks.VoicemailAsync(callId, form, Token(request), ct)).Response);
            });
        group.MapPost("/inbound", async (HttpRequest request, CallWebhooks hooks, CancellationToken ct) =>
            new TwimlResult((await hooks.InboundAsync(await request.ReadFormAsync(ct), Token(request))).Response));
        group.MapPost("/inbound/confirm", async (string? seller, HttpRequest request, CallWebhooks hooks, CancellationToken ct) =>
            new TwimlResult((await hooks.InboundConfirmAsync(seller, await request.ReadFormAsync(ct), Token(request))).Response));
        return group;
    }

    /// <summary>What the signature covers, set by the filter: the same for Twilio's own retries of one delivery and for any
    /// copy of it. (I-Twilio-Idempotency-Token is not signed, so a copy could carry a fresh one: it is not used.)</summary>
    private static string Token(HttpRequest request) =>
        request.HttpContext.Features.Get<VerifiedWebhook>()!.DedupKey;
}
