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
        group.MapPost("/inbound", async (HttpRequest request, CallWebhooks hooks, CancellationToken ct) =>
            new TwimlResult(hooks.Inbound(await request.ReadFormAsync(ct)).Response));
        group.MapPost("/inbound/confirm", async (string? seller, HttpRequest request, CallWebhooks hooks, CancellationToken ct) =>
            new TwimlResult((await hooks.InboundConfirmAsync(seller, await request.ReadFormAsync(ct))).Response));
        return group;
    }

    /// <summary>Stable across Twilio's own retries of one delivery.</summary>
    private static string? Token(HttpRequest request) => request.Headers["I-Twilio-Idempotency-Token"].FirstOrDefault();
}
