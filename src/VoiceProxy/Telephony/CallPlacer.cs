using Microsoft.Extensions.Options;
using Twilio.Clients;
using Twilio.Exceptions;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Telephony;

/// <summary>What became of one create-call request. <see cref="Status"/> is ours: initiated, failed (Twilio refused:
/// nothing placed) or unknown (the answer was lost: a call may exist).</summary>
public sealed record PlacementResult(
    string Status, string? CallSid, int? HttpStatus, string Detail, IReadOnlyDictionary<string, string> Sent);

/// <summary>What became of a call update: whether Twilio took it, and what it answered.</summary>
public sealed record UpdateResult(bool Accepted, string Detail, IReadOnlyDictionary<string, string> Sent);

/// <summary>Places calls, and points calls in progress elsewhere, with the Twilio SDK through the named, resilient HTTP
/// client.</summary>
internal sealed class CallPlacer(ITwilioRestClient client, IOptions<TwilioOptions> twilio, IOptions<VoiceProxyOptions> options)
{
    public static readonly string[] StatusEvents = ["initiated", "ringing", "answered", "completed"];

    public CreateCallOptions BuildRequest(CallRecord call)
    {
        var baseUrl = options.Value.WebhookBaseUrl;
        return new CreateCallOptions(new PhoneNumber(call.To), new PhoneNumber(call.From))
        {
            PathAccountSid = twilio.Value.EffectiveAccountSid,
            Url = new Uri($"{baseUrl}/twilio/voice/{call.Id}"),
            Method = Twilio.Http.HttpMethod.Post,
            StatusCallback = new Uri($"{baseUrl}/twilio/status/{call.Id}"),
            StatusCallbackMethod = Twilio.Http.HttpMethod.Post,
            StatusCallbackEvent = [.. StatusEvents],
            // Detection in the background (47 CFR 64.1200(a)(7): the person hears the identity within 2 s): the message
            // starts at once, and the result, after a machine's greeting and beep, comes to the AMD callback.
            MachineDetection = "DetectMessageEnd",
            AsyncAmd = "true",
            AsyncAmdStatusCallback = new Uri($"{baseUrl}/twilio/amd/{call.Id}"),
            AsyncAmdStatusCallbackMethod = Twilio.Http.HttpMethod.Post,
            Timeout = twilio.Value.RingTimeoutSeconds,
        };
    }

    private static Dictionary<string, string> Sent(IEnumerable<KeyValuePair<string, string>> parameters) =>
        parameters.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => string.Join(",", g.Select(p => p.Value)));

    /// <summary>Redirects a call in progress to the TwiML at <paramref name="url"/>, or ends it when that is null (Twilio's
    /// call update API).</summary>
    public async Task<UpdateResult> RedirectAsync(string callSid, Uri? url)
    {
        var request = new UpdateCallOptions(callSid) { PathAccountSid = twilio.Value.EffectiveAccountSid };
        if (url is null) request.Status = CallResource.UpdateStatusEnum.Completed;
        else (request.Url, request.Method) = (url, Twilio.Http.HttpMethod.Post);
        var sent = Sent(request.GetParams());
        try
        {
            var updated = await CallResource.UpdateAsync(request, client);
            return new UpdateResult(true, $"Twilio status {updated.Status}", sent);
        }
        catch (ApiException e)
        {
            return new UpdateResult(false, $"Twilio refused the update: {e.Status} {e.Code} {e.Message}", sent);
        }
        catch (Exception e) when (e is ApiConnectionException or TimeoutException or HttpRequestException
            or Polly.Timeout.TimeoutRejectedException or TaskCanceledException)
        {
            return new UpdateResult(false, $"Twilio's answer was lost ({e.GetType().Name})", sent);
        }
    }

    public async Task<PlacementResult> PlaceAsync(CallRecord call)
    {
        var request = BuildRequest(call);
        var sent = Sent(request.GetParams());
        try
        {
            var created = await CallResource.CreateAsync(request, client);
            return new PlacementResult(CallStatus.Initiated, created.Sid, 201, $"Twilio status {created.Status}", sent);
        }
        catch (ApiException e) when (e.Status is >= 400 and < 500)
        {
            return new PlacementResult(CallStatus.Failed, null, e.Status, $"Twilio refused the call: {e.Code} {e.Message}", sent);
        }
        catch (ApiConnectionException e) when (e.InnerException is Polly.CircuitBreaker.BrokenCircuitException)
        {
            return new PlacementResult(CallStatus.Failed, null, null,
                "Not sent: Twilio failed repeatedly and the circuit breaker is open.", sent);
        }
        catch (Exception e) when (e is ApiException or ApiConnectionException or TimeoutException or HttpRequestException
            or Polly.Timeout.TimeoutRejectedException or TaskCanceledException)
        {
            return new PlacementResult(CallStatus.Unknown, null, (e as ApiException)?.Status,
                $"Twilio's answer was lost ({e.GetType().Name}: {e.InnerException?.Message ?? e.Message}); a call may exist.",
                sent);
        }
    }
}
