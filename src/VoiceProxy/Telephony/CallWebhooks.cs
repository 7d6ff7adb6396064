using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceProxy.Audit;
using VoiceProxy.Compliance;
using VoiceProxy.Consent;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;
using VoiceProxy.Twiml;

namespace VoiceProxy.Telephony;

/// <summary>What happens when Twilio calls back: the voice webhook, the gather action, status callbacks and the inbound
/// opt-out line.</summary>
internal sealed class CallWebhooks(
    VoiceProxyDb db, StoreWriter writer, Journal journal, TwimlRenderer twiml, TemplateCatalog templates, OptOutService optOut,
    FactGatherer facts, Gate gate, CallPlacer placer, Pseudonyms pseudonyms, IOptions<VoiceProxyOptions> options,
    TimeProvider time,
    ILogger<CallWebhooks> log)
{
    /// <summary>A delivery seen before (same signed URL and form, <paramref name="token"/>) gets the same kind of answer and
    /// records nothing; so does any request for a call that has ended. With asynchronous machine detection Twilio asks for
    /// the message at once, without AnsweredBy: the person hears the identity as soon as they answer, and the message
    /// also gives the opt-out line, since the listener may yet be a machine.</summary>
    public async Task<Rendered> VoiceAsync(string callId, IFormCollection form, string token, CancellationToken ct)
    {
        if (await FindLiveAsync(callId, form, "voice", ct) is not var (call, seller)) return TwimlRenderer.Hangup();
        var answeredBy = NullIfEmpty(form["AnsweredBy"]);
        var machine = IsMachine(answeredBy);
        var replay = call.OptedOut ? TwimlRenderer.Hangup()
            : machine ? Voicemail(call, seller) : RenderMessage(call, seller, attempt: 0, answeredBy);
        if (await IsReplayAsync(call, token, ct)) return replay;
        var why = await SuppressionAsync(call, ct);
        var rendered = why is not null || answeredBy == "fax" ? TwimlRenderer.Hangup() : replay;
        // The moment the first word goes to Twilio; minus the answer's time, how long the person waited for it.
        long? firstWord = rendered.Spoken.Length > 0 && !machine ? time.GetUtcNow().ToUnixTimeMilliseconds() : null;
        var recorded = await RecordAsync(call, token, async w =>
        {
            await TouchAsync(w, call, form, answeredBy, firstWord);
            journal.Call(w, call, "twilio.voice", "twilio", new { callSid = (string?)form["CallSid"], answeredBy }, token);
            if (why is not null) journal.Call(w, call, "call.suppressed", "twilio", why);
            RecordSpoken(w, call, rendered);
        });
        if (why is not null && recorded) log.LogWarning("Call {CallId} hung up without a message: {Why}", call.Id, why.Why);
        return recorded ? rendered : replay;
    }

    /// <summary>The result of asynchronous machine detection (AsyncAmdStatusCallback), sent after a machine's greeting and
    /// beep (DetectMessageEnd): a machine gets the voicemail version, a fax is hung up, both through Twilio's call update
    /// API; a person (or unknown) goes on hearing the message already started. Recorded once per signed delivery before
    /// Twilio is asked, so a copy never redirects twice.</summary>
    public async Task AmdAsync(string callId, IFormCollection form, string token, CancellationToken ct)
    {
        if (await FindLiveAsync(callId, form, "amd", ct) is not var (call, _)) return;
        if (await IsReplayAsync(call, token, ct)) return;
        var answeredBy = NullIfEmpty(form["AnsweredBy"]);
        var sid = call.TwilioCallSid ?? NullIfEmpty(form["CallSid"]);
        var action = call.OptedOut || sid is null ? null
            : IsMachine(answeredBy) ? "voicemail"
            : answeredBy == "fax" ? "hangup"
            : null;
        var recorded = await RecordAsync(call, token, async w =>
        {
            await TouchAsync(w, call, form, answeredBy, firstWord: null);
            journal.Call(w, call, "twilio.amd", "twilio", new
            {
                answeredBy, machineDetectionDuration = NullIfEmpty(form["MachineDetectionDuration"]), action,
            }, token);
        });
        if (!recorded || action is null) return;
        var url = action == "voicemail" ? new Uri($"{options.Value.WebhookBaseUrl}/twilio/voicemail/{call.Id}") : null;
        var result = await placer.RedirectAsync(sid!, url);
        await writer.WriteAsync(w =>
        {
            journal.Call(w, call, "twilio.update", "voiceproxy",
                new { action, result.Accepted, result.Detail, request = result.Sent });
            return Task.CompletedTask;
        });
        if (!result.Accepted)
            log.LogWarning("Call {CallId}: the {Action} redirect failed: {Detail}", call.Id, action, result.Detail);
    }

    /// <summary>Where a call answered by a machine is redirected: the voicemail version, after the beep.</summary>
    public async Task<Rendered> VoicemailAsync(string callId, IFormCollection form, string token, CancellationToken ct)
    {
        if (await FindLiveAsync(callId, form, "voicemail", ct) is not var (call, seller)) return TwimlRenderer.Hangup();
        var rendered = call.OptedOut ? TwimlRenderer.Hangup() : Voicemail(call, seller);
        if (await IsReplayAsync(call, token, ct)) return rendered;
        await RecordAsync(call, token, w =>
        {
            journal.Call(w, call, "twilio.voicemail", "twilio", new { callSid = (string?)form["CallSid"] }, token);
            RecordSpoken(w, call, rendered);
            return Task.CompletedTask;
        });
        return rendered;
    }

    private static bool IsMachine(string? answeredBy) => answeredBy?.StartsWith("machine", StringComparison.Ordinal) == true;

    public async Task<Rendered> GatherAsync(string callId, int attempt, IFormCollection form, string token, CancellationToken ct)
    {
        if (await FindLiveAsync(callId, form, "gather", ct) is not var (call, seller)) return TwimlRenderer.Hangup();
        var replay = call.OptedOut ? twiml.OptOutConfirmed(call.Language, seller) : twiml.Goodbye(call.Language, seller);
        if (await IsReplayAsync(call, token, ct)) return replay;
        string? digits = NullIfEmpty(form["Digits"]), speech = NullIfEmpty(form["SpeechResult"]);
        var optingOut = twiml.IsOptOut(call.Language, digits, speech);
        var channel = digits == options.Value.OptOutDigit ? "keypress" : "voice";
        var next = optingOut ? twiml.OptOutConfirmed(call.Language, seller)
            : attempt < 1 && (digits ?? speech) is not null ? RenderMessage(call, seller, attempt + 1, answeredBy: null)
            : twiml.Goodbye(call.Language, seller);
        var recorded = await RecordAsync(call, token, async w =>
        {
            await TouchAsync(w, call, form, answeredBy: null, firstWord: null);
            // What the customer said is theirs: kept beside the chained event, erasable.
            var said = speech is null ? null : journal.Personal(w, pseudonyms.PersonOf(call.To), new { speech });
            journal.Call(w, call, "twilio.gather", "twilio", new { digits, attempt, personal = said }, token);
            if (optingOut)
            {
                journal.Call(w, call, "call.opted_out", "twilio", new { channel });
                if (!call.OptedOut)
                    journal.Publish(w, call.Seller, AppEventTypes.CallOptedOut, pseudonyms.PersonOf(call.To),
                        new { callId = call.Id, phone = call.To, channel, optedOutAt = time.GetUtcNow() });
                // The opt-out is committed with this unit, before the caller hears the confirmation.
                if (!call.OptedOut)
                    await optOut.RecordAsync(
                        w, call.Seller, call.To, channel, call.TwilioCallSid ?? NullIfEmpty(form["CallSid"]), call.Id);
            }
            RecordSpoken(w, call, next);
        });
        if (recorded && optingOut && !call.OptedOut)
            log.LogInformation("Call {CallId}: the customer opted out by {Channel}", call.Id, channel);
        return recorded ? next : replay;
    }

    /// <summary>Status callbacks may arrive late or twice: a redelivery (same signed content, <paramref name="dedup"/>)
    /// changes nothing, an older event (lower SequenceNumber) is kept on the timeline but never overwrites a newer
    /// status.</summary>
    public async Task StatusAsync(string callId, IFormCollection form, string dedup, CancellationToken ct)
    {
        if (await FindAsync(callId, form, ct) is not var (call, _)) return;
        var status = NullIfEmpty(form["CallStatus"]);
        var sequence = int.TryParse(form["SequenceNumber"], out var n) ? n : (int?)null;
        if (await IsReplayAsync(call, dedup, ct)) return;
        var detail = form
            .Where(f => f.Key is "CallStatus" or "CallDuration" or "AnsweredBy" or "SequenceNumber" or "Timestamp" or "CallSid")
            .ToDictionary(f => char.ToLowerInvariant(f.Key[0]) + f.Key[1..], f => f.Value.ToString());
        await RecordAsync(call, dedup, async w =>
        {
            // Most callbacks come for a call whose SID is known: then the status update is the only one.
            if (call.TwilioCallSid is null) await TouchAsync(w, call, form, answeredBy: null, firstWord: null);
            if (status is not null && await ApplyIfNewerAsync(w, call.Id, status, sequence, form) > 0
                && CallStatus.IsTerminal(status) && !CallStatus.IsTerminal(call.Status))
                journal.Publish(w, call.Seller, AppEventTypes.CallFinished, pseudonyms.PersonOf(call.To), new
                {
                    callId = call.Id, phone = call.To, status, answeredBy = NullIfEmpty(form["AnsweredBy"]) ?? call.AnsweredBy,
                    durationSeconds = int.TryParse(form["CallDuration"], out var d) ? d : (int?)null,
                    twilioCallSid = call.TwilioCallSid ?? NullIfEmpty(form["CallSid"]), finishedAt = time.GetUtcNow(),
                });
            if (status == CallStatus.InProgress) await AnsweredAsync(w, call.Id, form);
            journal.Call(w, call, "twilio.status", "twilio", detail, dedup);
        });
    }

    /// <summary>Records a webhook's events in one unit of the group commit. False when the same delivery raced in on another
    /// request and was recorded there (the unique idempotency token refused this one).</summary>
    private async Task<bool> RecordAsync(CallRecord call, string token, Func<VoiceProxyDb, Task> record)
    {
        try
        {
            await writer.WriteAsync(record);
            return true;
        }
        catch (DbUpdateException)
        {
            if (!await IsReplayAsync(call, token, CancellationToken.None)) throw;
            return false;
        }
    }

    /// <summary>The call learns its SID (a call whose create-call answer was lost learns it here), who answered, and when its
    /// first word was sent (the first time only).</summary>
    private Task<int> TouchAsync(VoiceProxyDb w, CallRecord call, IFormCollection form, string? answeredBy, long? firstWord)
    {
        var (sid, now) = (NullIfEmpty(form["CallSid"]), time.GetUtcNow());
        return w.Calls.Where(c => c.Id == call.Id).ExecuteUpdateAsync(u => u
            .SetProperty(c => c.TwilioCallSid, c => c.TwilioCallSid ?? sid)
            .SetProperty(c => c.AnsweredBy, c => answeredBy ?? c.AnsweredBy)
            .SetProperty(c => c.FirstWordAtUnixMs, c => c.FirstWordAtUnixMs ?? firstWord)
            .SetProperty(c => c.UpdatedAt, now));
    }

    /// <summary>When the call was answered: the in-progress callback's Timestamp (Twilio's clock, RFC 1123, when the answer
    /// happened rather than when the callback arrived), else now; the first such callback only.</summary>
    private Task<int> AnsweredAsync(VoiceProxyDb w, string callId, IFormCollection form)
    {
        var at = DateTimeOffset.TryParse(form["Timestamp"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal,
            out var stamped) ? stamped : time.GetUtcNow();
        var ms = at.ToUnixTimeMilliseconds();
        return w.Calls.Where(c => c.Id == callId && c.AnsweredAtUnixMs == null)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.AnsweredAtUnixMs, ms));
    }

    private Task<int> ApplyIfNewerAsync(VoiceProxyDb w, string callId, string status, int? sequence, IFormCollection form) =>
        CallUpdates.ApplyStatusIfNewerAsync(w, callId, status, sequence,
            int.TryParse(form["CallDuration"], out var d) ? d : null, NullIfEmpty(form["AnsweredBy"]), time.GetUtcNow());

    /// <summary>The seller's opt-out line: a caller to OptOutNumber is asked to press the opt-out digit to confirm. A caller
    /// whose number is withheld (or is no US number) is told it could not be captured and how else to opt out.</summary>
    public async Task<Rendered> InboundAsync(IFormCollection form, string token)
    {
        var seller = options.Value.Sellers.FirstOrDefault(s => s.OptOutNumber is not null && s.OptOutNumber == form["To"]);
        if (seller is null) return TwimlRenderer.Hangup();
        if (Phone.ValidateNumber(form["From"]) is { } error) return await AnonymousAsync(seller, form, token, error);
        var url = $"{options.Value.WebhookBaseUrl}/twilio/inbound/confirm?seller={Uri.EscapeDataString(seller.Id)}";
        return twiml.InboundPrompt(seller.DefaultLanguage, seller, url);
    }

    /// <summary>The confirmation is recorded once per signed delivery (<paramref name="token"/>): a copy of it, whatever
    /// idempotency token it carries, is answered with the same confirmation and writes nothing.</summary>
    public async Task<Rendered> InboundConfirmAsync(string? sellerId, IFormCollection form, string token)
    {
        var seller = sellerId is null ? null : options.Value.FindSeller(sellerId);
        if (seller is null) return TwimlRenderer.Hangup();
        string? from = form["From"];
        if (form["Digits"] != options.Value.OptOutDigit) return twiml.Goodbye(seller.DefaultLanguage, seller);
        if (Phone.ValidateNumber(from) is { } error) return await AnonymousAsync(seller, form, token, error);
        var confirmed = twiml.OptOutConfirmed(seller.DefaultLanguage, seller);
        await OnceAsync(token, "inbound-confirm",
            w => optOut.RecordAsync(w, seller.Id, from!, "inbound-line", form["CallSid"], null));
        return confirmed;
    }

    /// <summary>An opt-out attempt that cannot be honoured, because there is no number to honour it for: recorded (audit
    /// event <c>optout.anonymous_attempt</c>, without the caller ID, which may be a number abroad), and the caller hears
    /// why and how else to opt out.</summary>
    private async Task<Rendered> AnonymousAsync(SellerOptions seller, IFormCollection form, string token, string error)
    {
        string? sid = form["CallSid"];
        log.LogWarning("Inbound opt-out for {Seller} not recorded: the caller's number {Error}", seller.Id, error);
        await OnceAsync(token, "inbound-anonymous", w =>
        {
            journal.Audit(w, "optout.anonymous_attempt", "twilio", seller.Id, sid,
                new { callSid = sid, why = $"the number {error}" });
            return Task.CompletedTask;
        });
        return twiml.InboundAnonymous(seller.DefaultLanguage, seller);
    }

    /// <summary>Writes <paramref name="record"/> with a delivery row keyed by the signed content, once: a copy of the delivery,
    /// before or while the first is written, writes nothing.</summary>
    private async Task OnceAsync(string token, string hook, Func<VoiceProxyDb, Task> record)
    {
        if (await Delivered.For(db)(db, token, CancellationToken.None)) return;
        try
        {
            await writer.WriteAsync(w =>
            {
                w.WebhookDeliveries.Add(new WebhookDelivery { Key = token, Hook = hook, At = time.GetUtcNow() });
                return record(w);
            });
        }
        catch (DbUpdateException)
        {
            // The same delivery raced in on another request and was recorded there; anything else is a real failure.
            if (!await Delivered.For(db)(db, token, CancellationToken.None)) throw;
        }
    }

    /// <summary>The call and its seller, when the webhook's CallSid belongs to it. A call whose create-call answer was lost
    /// learns its SID here.</summary>
    private async Task<(CallRecord Call, SellerOptions Seller)?> FindAsync(
        string callId, IFormCollection form, CancellationToken ct)
    {
        var call = await CallById.For(db)(db, callId, ct);
        string? sid = form["CallSid"];
        if (call is null || !call.Allowed || options.Value.FindSeller(call.Seller) is not { } seller
            || (call.TwilioCallSid is not null && sid is not null && sid != call.TwilioCallSid))
        {
            log.LogWarning("Webhook for unknown call {CallId} ignored", callId);
            return null;
        }
        return (call, seller);
    }

    /// <summary>As <see cref="FindAsync"/>, for the webhooks that speak: a call that has ended (Twilio reported a final
    /// status) hears nothing more and records nothing. Twilio asks for these only while the call is up, since it waits for
    /// their TwiML to go on, so one arriving after the end is a copy; it is answered with a plain hang-up (a 200 with
    /// TwiML, which Twilio takes without an error or a fallback request, where a 4xx would be logged as an application
    /// error and could send it to the fallback URL).</summary>
    private async Task<(CallRecord Call, SellerOptions Seller)?> FindLiveAsync(
        string callId, IFormCollection form, string hook, CancellationToken ct)
    {
        if (await FindAsync(callId, form, ct) is not { } found) return null;
        if (!CallStatus.IsTerminal(found.Call.Status)) return found;
        log.LogWarning("{Hook} webhook for call {CallId}, which has ended ({Status}), answered with a hang-up; nothing recorded",
            hook, callId, found.Call.Status);
        return null;
    }

    private Task<bool> IsReplayAsync(CallRecord call, string token, CancellationToken ct) =>
        Recorded.For(db)(db, call.Id, token, ct);

    // Compiled once: every webhook asks both.
    private static readonly PerModel<Func<VoiceProxyDb, string, CancellationToken, Task<CallRecord?>>> CallById = new(() =>
        EF.CompileAsyncQuery((VoiceProxyDb db, string id, CancellationToken ct) =>
            db.Calls.AsNoTracking().FirstOrDefault(c => c.Id == id)));

    private static readonly PerModel<Func<VoiceProxyDb, string, string, CancellationToken, Task<bool>>> Recorded = new(() =>
        EF.CompileAsyncQuery((VoiceProxyDb db, string callId, string token, CancellationToken ct) =>
            db.CallEvents.Any(e => e.CallId == callId && e.DedupKey == token)));

    private static readonly PerModel<Func<VoiceProxyDb, string, CancellationToken, Task<bool>>> Delivered = new(() =>
        EF.CompileAsyncQuery((VoiceProxyDb db, string key, CancellationToken ct) => db.WebhookDeliveries.Any(d => d.Key == key)));

    /// <summary>Why the call must end before a word is said, or null: an opt-out, a do-not-call entry or a revocation made
    /// after the call was placed, or an answer at an hour or on a day the gate's time rules forbid now (a call placed at
    /// 20:59 may ring into 21:00; a restricted date may have been added meanwhile).</summary>
    private async Task<Suppression?> SuppressionAsync(CallRecord call, CancellationToken ct)
    {
        if (call.OptedOut) return new("the customer already opted out on this call", []);
        if (Pseudonyms.IsErased(call.To)) return new("the person's data was erased, which also stops calls to them", []);
        var intent = new CallIntent(call.Seller, call.To, Purposes.Parse(call.Purpose)!.Value, call.From);
        var now = time.GetUtcNow();
        // Lookup was asked before dialling; asking again while the person waits on the line would add a round trip.
        var known = await facts.GatherAsync(
            intent, new CustomerLocation(call.CustomerState, call.CustomerTimeZone), now, lookup: false, ct);
        if (known.InternalDncSince is { } listed)
            return new($"the number was put on the do-not-call list at {listed:O}", [ReasonCodes.DncInternal]);
        var consent = intent.Purpose == Purpose.Marketing ? known.Marketing : known.Transactional;
        if (consent.State == ConsentState.Revoked)
            return new($"{call.Purpose} consent was revoked at {consent.Since:O}", [ReasonCodes.ConsentRevoked]);
        var late = gate.TimeBlocks(intent, known, now);
        return late.Count == 0 ? null
            : new($"answered at {now:O}, when the time rules no longer allow the call: " +
                string.Join(" ", late.Select(r => r.Message)), [.. late.Select(r => r.Code).Distinct()]);
    }

    /// <summary>What <c>call.suppressed</c> records: why, and the reason codes of the rules that stopped the call.</summary>
    private sealed record Suppression(string Why, string[] Reasons);

    /// <summary>The message; with the toll-free opt-out line unless a person is known to have answered (47 CFR
    /// 64.1200(b)(3): the listener may be a machine).</summary>
    private Rendered RenderMessage(CallRecord call, SellerOptions seller, int attempt, string? answeredBy)
    {
        // A call whose personal data was erased has no variables left to say, and its number is on the do-not-call list.
        if (Pseudonyms.IsErased(call.To)) return TwimlRenderer.Hangup();
        var template = templates.Find(call.Language, call.Template);
        var variables = JsonSerializer.Deserialize<Dictionary<string, string>>(call.VariablesJson, StoredJson.Options)!;
        return template is null ? TwimlRenderer.Hangup()
            : twiml.Message(call, seller, template, variables, attempt, maybeMachine: (answeredBy ?? call.AnsweredBy) != "human");
    }

    private Rendered Voicemail(CallRecord call, SellerOptions seller) => Pseudonyms.IsErased(call.To)
        ? TwimlRenderer.Hangup()
        : twiml.Voicemail(call, seller, templates.Find(call.Language, call.Template));

    /// <summary>What the caller hears is kept with the call (16 CFR 310.5: each unique message).</summary>
    private void RecordSpoken(VoiceProxyDb w, CallRecord call, Rendered rendered)
    {
        if (rendered.Spoken.Length == 0) return;
        var template = templates.Find(call.Language, call.Template);
        // The words spoken carry the call's variables (names, amounts): kept beside the chained event, erasable.
        var personal = journal.Personal(w, pseudonyms.PersonOf(call.To), new { text = rendered.Spoken });
        journal.Call(w, call, "message.rendered", "twilio", new
        {
            template = call.Template, templateSha256 = template?.Sha256, personal,
        });
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
