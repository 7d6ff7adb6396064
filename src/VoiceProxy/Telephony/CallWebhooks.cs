using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceProxy.Audit;
using VoiceProxy.Consent;
using VoiceProxy.Data;
using VoiceProxy.DoNotCall;
using VoiceProxy.Infrastructure;
using VoiceProxy.Twiml;

namespace VoiceProxy.Telephony;

/// <summary>What happens when Twilio calls back: the voice webhook, the gather action, status callbacks and the inbound opt-out line.</summary>
internal sealed class CallWebhooks(
    VoiceProxyDb db, TwimlRenderer twiml, TemplateCatalog templates, OptOutService optOut, AuditLog audit,
    IOptions<VoiceProxyOptions> options, TimeProvider time, ILogger<CallWebhooks> log)
{
    /// <summary>Twilio retries a webhook with the same I-Twilio-Idempotency-Token: a replay gets the same kind of answer and
    /// records nothing.</summary>
    public async Task<Rendered> VoiceAsync(string callId, IFormCollection form, string? token, CancellationToken ct)
    {
        if (await FindAsync(callId, form, ct) is not var (call, seller)) return TwimlRenderer.Hangup();
        if (await IsReplayAsync(call, token, ct)) return Unrecorded(call.OptedOut ? TwimlRenderer.Hangup() : RenderMessage(call, seller, attempt: 0));
        var answeredBy = NullIfEmpty(form["AnsweredBy"]);
        if (answeredBy is not null) call.AnsweredBy = answeredBy;
        var voice = new { callSid = (string?)form["CallSid"], answeredBy };
        call.Events.Add(NewEvent(call, "twilio.voice", voice, token));
        audit.Append("twilio.voice", "twilio", call.Seller, call.Id, voice);

        if (await SuppressionAsync(call, ct) is { } why)
        {
            AddEvent(call, "call.suppressed", new { why });
            audit.Append("call.suppressed", "twilio", call.Seller, call.Id, new { why });
            await db.SaveChangesAsync(ct);
            log.LogWarning("Call {CallId} hung up without a message: {Why}", call.Id, why);
            return TwimlRenderer.Hangup();
        }
        var rendered = answeredBy switch
        {
            "fax" => TwimlRenderer.Hangup(),
            _ when answeredBy?.StartsWith("machine", StringComparison.Ordinal) == true => twiml.Voicemail(call, seller),
            _ => RenderMessage(call, seller, attempt: 0),
        };
        await RecordRenderedAsync(call, rendered, ct);
        return rendered;
    }

    public async Task<Rendered> GatherAsync(string callId, int attempt, IFormCollection form, string? token, CancellationToken ct)
    {
        if (await FindAsync(callId, form, ct) is not var (call, seller)) return TwimlRenderer.Hangup();
        if (await IsReplayAsync(call, token, ct))
            return Unrecorded(call.OptedOut ? twiml.OptOutConfirmed(call.Language, seller) : twiml.Goodbye(call.Language, seller));
        string? digits = NullIfEmpty(form["Digits"]), speech = NullIfEmpty(form["SpeechResult"]);
        var gathered = new { digits, speech, attempt };
        call.Events.Add(NewEvent(call, "twilio.gather", gathered, token));
        audit.Append("twilio.gather", "twilio", call.Seller, call.Id, gathered);

        if (twiml.IsOptOut(call.Language, digits, speech))
        {
            var channel = digits == options.Value.OptOutDigit ? "keypress" : "voice";
            AddEvent(call, "call.opted_out", new { channel });
            if (call.OptedOut) return await RecordRenderedAsync(call, twiml.OptOutConfirmed(call.Language, seller), ct);
            await optOut.RecordAsync(call.Seller, call.To, channel, call.TwilioCallSid, call, ct);
            log.LogInformation("Call {CallId}: the customer opted out by {Channel}", call.Id, channel);
            return await RecordRenderedAsync(call, twiml.OptOutConfirmed(call.Language, seller), ct);
        }
        var next = attempt < 1 && (digits ?? speech) is not null
            ? RenderMessage(call, seller, attempt + 1)
            : twiml.Goodbye(call.Language, seller);
        return await RecordRenderedAsync(call, next, ct);
    }

    /// <summary>Status callbacks may arrive late or twice: a redelivery (same idempotency token) changes nothing, an older event
    /// (lower SequenceNumber) is kept on the timeline but never overwrites a newer status.</summary>
    public async Task StatusAsync(string callId, IFormCollection form, string? idempotencyToken, CancellationToken ct)
    {
        if (await FindAsync(callId, form, ct) is not var (call, _)) return;
        var status = NullIfEmpty(form["CallStatus"]);
        var sequence = int.TryParse(form["SequenceNumber"], out var n) ? n : (int?)null;
        var dedup = idempotencyToken ?? $"{form["CallSid"]}:{sequence}:{status}";
        if (await db.CallEvents.AnyAsync(e => e.CallId == call.Id && e.DedupKey == dedup, ct)) return;

        if (status is not null) await ApplyIfNewerAsync(call.Id, status, sequence, form, ct);
        var detail = form.Where(f => f.Key is "CallStatus" or "CallDuration" or "AnsweredBy" or "SequenceNumber" or "Timestamp" or "CallSid")
            .ToDictionary(f => char.ToLowerInvariant(f.Key[0]) + f.Key[1..], f => f.Value.ToString());
        call.Events.Add(NewEvent(call, "twilio.status", detail, dedup));
        audit.Append("twilio.status", "twilio", call.Seller, call.Id, detail);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // The same delivery raced in on another request and was recorded there.
        }
    }

    /// <summary>One conditional statement, so that two deliveries handled at once (here or on another instance) can never
    /// let the older one win: newer by SequenceNumber (or, without one, anything over a non-final status), and a final
    /// status is never replaced by a non-final one.</summary>
    private async Task ApplyIfNewerAsync(string callId, string status, int? sequence, IFormCollection form, CancellationToken ct)
    {
        var final = CallStatus.IsTerminal(status);
        int? duration = int.TryParse(form["CallDuration"], out var d) ? d : null;
        var answeredBy = NullIfEmpty(form["AnsweredBy"]);
        var now = time.GetUtcNow();
        var calls = db.Calls.Where(c => c.Id == callId && (final || !CallStatus.Terminal.Contains(c.Status)));
        calls = sequence is { } s ? calls.Where(c => c.LastSequenceNumber < s) : calls.Where(c => !CallStatus.Terminal.Contains(c.Status));
        await calls.ExecuteUpdateAsync(u => u
            .SetProperty(c => c.Status, status)
            .SetProperty(c => c.LastSequenceNumber, c => sequence ?? c.LastSequenceNumber)
            .SetProperty(c => c.DurationSeconds, c => duration ?? c.DurationSeconds)
            .SetProperty(c => c.AnsweredBy, c => answeredBy ?? c.AnsweredBy)
            .SetProperty(c => c.UpdatedAt, now), ct);
    }

    /// <summary>The seller's opt-out line: a caller to OptOutNumber is asked to press the opt-out digit to confirm.</summary>
    public Rendered Inbound(IFormCollection form)
    {
        var seller = options.Value.Sellers.FirstOrDefault(s => s.OptOutNumber is not null && s.OptOutNumber == form["To"]);
        if (seller is null) return TwimlRenderer.Hangup();
        var url = $"{options.Value.WebhookBaseUrl}/twilio/inbound/confirm?seller={Uri.EscapeDataString(seller.Id)}";
        return twiml.InboundPrompt(seller.DefaultLanguage, seller, url);
    }

    public async Task<Rendered> InboundConfirmAsync(string? sellerId, IFormCollection form, CancellationToken ct)
    {
        var seller = sellerId is null ? null : options.Value.FindSeller(sellerId);
        if (seller is null) return TwimlRenderer.Hangup();
        string? from = form["From"];
        if (form["Digits"] != options.Value.OptOutDigit) return twiml.Goodbye(seller.DefaultLanguage, seller);
        if (Phone.ValidateUsNumber(from) is { } error)
        {
            log.LogWarning("Inbound opt-out for {Seller} not recorded: the caller's number {Error}", seller.Id, error);
            return twiml.Goodbye(seller.DefaultLanguage, seller);
        }
        await optOut.RecordAsync(seller.Id, from!, "inbound-line", form["CallSid"], null, ct);
        return twiml.OptOutConfirmed(seller.DefaultLanguage, seller);
    }

    /// <summary>The call and its seller, when the webhook's CallSid belongs to it. A call whose create-call answer was lost
    /// learns its SID here.</summary>
    private async Task<(CallRecord Call, SellerOptions Seller)?> FindAsync(string callId, IFormCollection form, CancellationToken ct)
    {
        var call = await db.Calls.FirstOrDefaultAsync(c => c.Id == callId, ct);
        string? sid = form["CallSid"];
        if (call is null || !call.Allowed || options.Value.FindSeller(call.Seller) is not { } seller
            || (call.TwilioCallSid is not null && sid is not null && sid != call.TwilioCallSid))
        {
            log.LogWarning("Webhook for unknown call {CallId} ignored", callId);
            return null;
        }
        call.TwilioCallSid ??= NullIfEmpty(sid);
        return (call, seller);
    }

    private Task<bool> IsReplayAsync(CallRecord call, string? token, CancellationToken ct) =>
        token is null ? Task.FromResult(false) : db.CallEvents.AnyAsync(e => e.CallId == call.Id && e.DedupKey == token, ct);

    /// <summary>Drops what the lookup may have changed on the tracked call, so a replay writes nothing.</summary>
    private Rendered Unrecorded(Rendered rendered)
    {
        db.ChangeTracker.Clear();
        return rendered;
    }

    /// <summary>An opt-out or a do-not-call entry made after the call was placed stops it before a word is said.</summary>
    private async Task<string?> SuppressionAsync(CallRecord call, CancellationToken ct)
    {
        if (call.OptedOut) return "the customer already opted out on this call";
        if (await InternalDnc.CurrentAsync(db, call.Seller, call.To, ct) is { } dnc) return $"the number was put on the do-not-call list at {dnc.At:O}";
        var consent = ConsentLedger.Current(await ConsentLedger.HistoryAsync(db, call.Seller, call.To, ct), call.Purpose);
        return consent.State == ConsentState.Revoked ? $"{call.Purpose} consent was revoked at {consent.Since:O}" : null;
    }

    private Rendered RenderMessage(CallRecord call, SellerOptions seller, int attempt)
    {
        var template = templates.Find(call.Language, call.Template);
        var variables = JsonSerializer.Deserialize<Dictionary<string, string>>(call.VariablesJson, StoredJson.Options)!;
        return template is null ? TwimlRenderer.Hangup() : twiml.Message(call, seller, template, variables, attempt);
    }

    private async Task<Rendered> RecordRenderedAsync(CallRecord call, Rendered rendered, CancellationToken ct)
    {
        if (rendered.Spoken.Length > 0)
        {
            var detail = new { text = rendered.Spoken, template = call.Template, templateSha256 = templates.Find(call.Language, call.Template)?.Sha256 };
            AddEvent(call, "message.rendered", detail);
            audit.Append("message.rendered", "twilio", call.Seller, call.Id, detail);
        }
        call.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return rendered;
    }

    private void AddEvent(CallRecord call, string type, object detail) => call.Events.Add(NewEvent(call, type, detail, null));

    private CallEvent NewEvent(CallRecord call, string type, object detail, string? dedup) =>
        new() { CallId = call.Id, At = time.GetUtcNow(), Type = type, DetailJson = JsonSerializer.Serialize(detail, StoredJson.Options), DedupKey = dedup };

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
