using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VoiceProxy.Audit;
using VoiceProxy.Compliance;
using VoiceProxy.Consent;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;
using VoiceProxy.Telephony;

namespace VoiceProxy.Calls;

/// <summary>What a call request came to, for the API to turn into a response.</summary>
public enum CallOutcome { Placed, Blocked, Conflict, TwilioFailed }

/// <summary>How a call request ended, with the personal data its events refer to (shown in the answer).</summary>
public sealed record CallResult(
    CallOutcome Outcome, CallRecord? Call, IReadOnlyDictionary<string, PersonalData>? Personal = null);

/// <summary>validate → gather facts → decide → commit the record → ask Twilio → record the answer.</summary>
internal sealed class CallService(
    VoiceProxyDb db, FactGatherer facts, Gate gate, CallPlacer placer, StoreWriter writer, Journal journal, IPlacementLocks locks,
    Pseudonyms pseudonyms, TimeProvider time, ILogger<CallService> log)
{
    public async Task<Decision> DryRunAsync(ValidCallRequest request, DateTimeOffset at, bool lookup, CancellationToken ct) =>
        gate.Decide(request.Intent, await facts.GatherAsync(request.Intent, request.Customer, at, lookup, ct), at);

    public async Task<CallResult> PlaceAsync(ValidCallRequest request, string? idempotencyKey, string actor, CancellationToken ct)
    {
        var intent = request.Intent;
        // One request at a time per seller and number (so caps count every call committed before it) and per idempotency
        // key (so a repeat waits for the first answer instead of racing it), on every instance sharing the store.
        // Held until Twilio answers. Requests without a key share no lock beyond their number's.
        string[] keys = idempotencyKey is null ? [$"number|{intent.Seller}|{intent.To}"]
            : [$"number|{intent.Seller}|{intent.To}", $"key|{intent.Seller}|{idempotencyKey}"];
        await using var held = await locks.AcquireAsync(keys, ct);
        if (idempotencyKey is not null && await FindByKeyAsync(intent.Seller, idempotencyKey, ct) is { } earlier)
            return Replay(earlier, request) with { Personal = await PersonalOfAsync(earlier, ct) };

        var now = time.GetUtcNow();
        var gathered = await facts.GatherAsync(intent, request.Customer, now, lookup: true, ct);
        var decision = gate.Decide(intent, gathered, now);
        var call = new CallRecord
        {
            Id = Guid.CreateVersion7(now).ToString(), Seller = intent.Seller, To = intent.To, From = intent.From,
            Purpose = Purposes.Name(intent.Purpose), Template = request.Template, Language = request.Language,
            VariablesJson = JsonSerializer.Serialize(request.Variables, StoredJson.Options),
            CustomerState = request.Customer?.State, CustomerTimeZone = request.Customer?.TimeZone,
            Allowed = decision.Allowed, DecisionJson = JsonSerializer.Serialize(decision, CallsJson.Default.Decision),
            FactsJson = KeptFacts.Serialize(gathered),
            RulesVersion = decision.RulesVersion, Jurisdiction = decision.Jurisdiction,
            ReasonCodes = decision.Allowed ? null : string.Join(' ', decision.Reasons.Select(r => r.Code).Distinct()),
            IdempotencyKey = idempotencyKey, RequestHash = request.RequestHash,
            Status = decision.Allowed ? CallStatus.Queued : CallStatus.Blocked, RequestedAt = now, UpdatedAt = now,
        };
        // The number and where the customer is are personal data: the chained event names the person by pseudonym.
        var person = pseudonyms.Of(call.To);
        var (personalRow, personal) = journal.NewPersonal(person, new { call.To, request.Customer });
        var requested = JsonSerializer.Serialize(new
        {
            actor, call.From, call.Purpose, call.Template, call.Language, idempotencyKey, person, personal,
        }, StoredJson.Options);
        // The decision is committed before Twilio is asked: a crash from here on leaves a record to reconcile, never a lost call.
        var recorded = await writer.WriteAsync(w =>
        {
            // EF adds the tracked events to the record's list; a unit run again starts from an empty one.
            call.Events.Clear();
            w.Calls.Add(call);
            w.PersonalData.Add(personalRow);
            if (!call.Allowed)
                journal.Publish(w, call.Seller, AppEventTypes.CallBlocked, person, new
                {
                    callId = call.Id, phone = call.To, call.Purpose, call.Template, decision.Reasons, decision.NextAllowedAt,
                    call.RequestedAt,
                });
            return Task.FromResult<CallEvent[]>([
                journal.CallJson(w, call, "call.requested", actor, requested),
                journal.CallJson(w, call, "call.decided", actor, call.DecisionJson)]);
        });
        call.Events.Clear();
        call.Events.AddRange(recorded);

        using var scope = log.BeginScope(new Dictionary<string, object> { ["CallId"] = call.Id });
        log.LogInformation(
            "Call decided: {Allowed} {Reasons}", call.Allowed, string.Join(",", decision.Reasons.Select(r => r.Code)));
        var shown = new Dictionary<string, PersonalData> { [personalRow.Id] = personalRow };
        if (!call.Allowed) return new CallResult(CallOutcome.Blocked, call, shown);

        var result = await placer.PlaceAsync(call);
        var answer = JsonSerializer.Serialize(new
        {
            // Twilio's error text may quote the number it refused.
            result.Status, result.CallSid, result.HttpStatus,
            Detail = result.Detail.Replace(call.To, "[to]", StringComparison.Ordinal),
            request = result.Sent.Where(p => p.Key != "To").ToDictionary(),
        }, StoredJson.Options);
        // Twilio may call back before it answers us: a status a callback already recorded is newer than ours, so it stays.
        var (stored, created) = await writer.WriteAsync(async w =>
        {
            var now = time.GetUtcNow();
            var (status, sid) = await CallUpdates.RecordTwilioAnswerAsync(w, call.Id, result.Status, result.CallSid, now);
            // Twilio accepted it: the app hears so once the answer is recorded.
            if (result.CallSid is not null)
                journal.Publish(w, call.Seller, AppEventTypes.CallPlaced, person, CallEventData.Of(call, status, sid, now));
            return ((status, sid), journal.CallJson(w, call, "twilio.create", "voiceproxy", answer));
        });
        var (status, sid) = stored;
        call.Status = status;
        call.TwilioCallSid = sid;
        call.Events.Add(created);
        log.LogInformation("Twilio answered: {Status} {CallSid} {Detail}", result.Status, result.CallSid, result.Detail);
        return new CallResult(call.TwilioCallSid is null ? CallOutcome.TwilioFailed : CallOutcome.Placed, call, shown);
    }

    public Task<CallRecord?> FindAsync(string id, CancellationToken ct) =>
        db.Calls.AsNoTracking().Include(c => c.Events).FirstOrDefaultAsync(c => c.Id == id, ct);

    /// <summary>The personal data the call's events refer to and that still exists.</summary>
    public Task<Dictionary<string, PersonalData>> PersonalOfAsync(CallRecord call, CancellationToken ct) =>
        PersonalRecords.LoadAsync(db, call.Events.Select(e => e.DetailJson), ct);

    private Task<CallRecord?> FindByKeyAsync(string seller, string key, CancellationToken ct) =>
        db.Calls.AsNoTracking()
            .Include(c => c.Events)
            .FirstOrDefaultAsync(c => c.Seller == seller && c.IdempotencyKey == key, ct);

    /// <summary>The same key with the same body gets the first answer again; with another body, a conflict.</summary>
    private static CallResult Replay(CallRecord earlier, ValidCallRequest request) =>
        earlier.RequestHash != request.RequestHash ? new(CallOutcome.Conflict, earlier)
        : !earlier.Allowed ? new(CallOutcome.Blocked, earlier)
        : earlier.TwilioCallSid is null ? new(CallOutcome.TwilioFailed, earlier)
        : new(CallOutcome.Placed, earlier);
}
