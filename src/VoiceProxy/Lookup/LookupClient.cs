using System.Globalization;
using Microsoft.Extensions.Options;
using Twilio.Clients;
using Twilio.Exceptions;
using Twilio.Http;
using Twilio.Rest.Lookups.V2;
using VoiceProxy.Telephony;

namespace VoiceProxy.Lookup;

/// <summary>The two Lookup fields the gate asks for, as Twilio names them in <c>Fields</c>.</summary>
public static class LookupFields
{
    public const string LineType = "line_type_intelligence";
    public const string Reassigned = "reassigned_number";
}

/// <summary>One field's answer: <see cref="Answer"/> as Twilio gave it (a line type; yes, no or no_data_available), or null
/// with <see cref="Detail"/> saying why there is none. Otherwise <see cref="Detail"/> is the carrier's name, if any.</summary>
public sealed record FieldAnswer(string Field, DateOnly? LastVerifiedDate, string? Answer, string? Detail);

/// <summary>What one Lookup request asked and got, with its instants (the evidence of the safe harbour).</summary>
public sealed record LookupReply(
    string Fields, string? LastVerifiedDate, DateTimeOffset SentAt, DateTimeOffset AnsweredAt, int? HttpStatus,
    IReadOnlyList<FieldAnswer> Answers);

/// <summary>Asks Twilio Lookup v2 through the SDK (<see cref="PhoneNumberResource"/>) over the named, resilient client
/// (<c>Twilio:LookupBaseUrl</c>, 429-only retries, its own breaker and timeout). Never throws for Lookup's failures: they
/// come back as answers without a value, which the gate turns into <c>lookup_unavailable</c>.</summary>
internal sealed class LookupClient(IHttpClientFactory http, IOptions<TwilioOptions> twilio, TimeProvider time)
{
    private readonly TwilioRestClient _client = new(
        twilio.Value.EffectiveAccountSid, twilio.Value.EffectiveAuthToken,
        httpClient: new SystemNetHttpClient(http.CreateClient(TwilioHttp.LookupClientName)));

    public static readonly string[] ReassignedAnswers = ["yes", "no", "no_data_available"];

    /// <summary>The request for <paramref name="phone"/>: the line type when <paramref name="lineType"/>, reassignment since
    /// <paramref name="lastVerified"/> when given.</summary>
    public static FetchPhoneNumberOptions BuildRequest(string phone, bool lineType, DateOnly? lastVerified) => new(phone)
    {
        Fields = string.Join(",",
            new[] { lineType ? LookupFields.LineType : null, lastVerified is null ? null : LookupFields.Reassigned }
                .OfType<string>()),
        LastVerifiedDate = lastVerified?.ToString("yyyyMMdd", CultureInfo.InvariantCulture),
    };

    public async Task<LookupReply> AskAsync(string phone, bool lineType, DateOnly? lastVerified)
    {
        var request = BuildRequest(phone, lineType, lastVerified);
        var sentAt = time.GetUtcNow();
        List<FieldAnswer> Failed(string why) =>
        [
            .. lineType ? [new FieldAnswer(LookupFields.LineType, null, null, why)] : Array.Empty<FieldAnswer>(),
            .. lastVerified is null ? [] : new[] { new FieldAnswer(LookupFields.Reassigned, lastVerified, null, why) },
        ];
        LookupReply Reply(int? status, List<FieldAnswer> answers) =>
            new(request.Fields, request.LastVerifiedDate, sentAt, time.GetUtcNow(), status, answers);
        try
        {
            var found = await PhoneNumberResource.FetchAsync(request, _client);
            var answers = new List<FieldAnswer>();
            if (lineType) answers.Add(LineTypeOf(found.LineTypeIntelligence));
            if (lastVerified is { } date) answers.Add(ReassignedOf(found.ReassignedNumber, date));
            return Reply(200, answers);
        }
        catch (ApiException e)
        {
            return Reply(e.Status, Failed($"Twilio Lookup answered {e.Status}: {e.Code} {e.Message}"));
        }
        catch (ApiConnectionException e) when (e.InnerException is Polly.CircuitBreaker.BrokenCircuitException)
        {
            return Reply(null, Failed("not asked: Twilio Lookup failed repeatedly and the circuit breaker is open"));
        }
        catch (Exception e) when (e is ApiConnectionException or TimeoutException or HttpRequestException
            or Polly.Timeout.TimeoutRejectedException or TaskCanceledException or Newtonsoft.Json.JsonException)
        {
            return Reply(null,
                Failed($"no answer from Twilio Lookup ({e.GetType().Name}: {e.InnerException?.Message ?? e.Message})"));
        }
    }

    private static FieldAnswer LineTypeOf(PhoneNumberResource.LineTypeIntelligenceInfo? info) =>
        info?.Type is { } type && Infrastructure.LineTypes.All.Contains(type)
            ? new(LookupFields.LineType, null, type, info.CarrierName)
            : new(LookupFields.LineType, null, null,
                $"Twilio Lookup gave no line type (type {info?.Type ?? "null"}, " +
                $"error code {info?.ErrorCode?.ToString(CultureInfo.InvariantCulture) ?? "none"})");

    private static FieldAnswer ReassignedOf(PhoneNumberResource.ReassignedNumberInfo? info, DateOnly date) =>
        info?.IsNumberReassigned is { } answer && ReassignedAnswers.Contains(answer)
            ? new(LookupFields.Reassigned, date, answer, null)
            : new(LookupFields.Reassigned, date, null,
                $"Twilio Lookup gave no reassignment answer (is_number_reassigned {info?.IsNumberReassigned ?? "null"}, " +
                $"error code {info?.ErrorCode ?? "none"})");
}
