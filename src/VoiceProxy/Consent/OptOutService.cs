using Microsoft.EntityFrameworkCore;
using VoiceProxy.Audit;
using VoiceProxy.Data;
using VoiceProxy.DoNotCall;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Consent;

/// <summary>An opt-out revokes every purpose for the seller and puts the number on its internal list (revoke-all,
/// FCC 24-24 / DA 26-12, applied now). Both are written in the caller's unit of the group commit, so they are durable before
/// the caller hears the confirmation.</summary>
internal sealed class OptOutService(Journal journal, Pseudonyms pseudonyms, TimeProvider time)
{
    public async Task RecordAsync(VoiceProxyDb w, string seller, string phone, string channel, string? callSid, string? callId)
    {
        var now = time.GetUtcNow();
        var note = callSid is null ? $"{channel} opt-out" : $"{channel} opt-out during call {callSid}";
        w.Consents.Add(ConsentLedger.NewRevocation(seller, phone, scope: null, channel, note, "twilio", now));
        w.DncEntries.Add(InternalDnc.NewAddition(seller, phone, note, "twilio", now));
        if (callId is not null)
            await w.Calls.Where(c => c.Id == callId)
                .ExecuteUpdateAsync(u => u.SetProperty(c => c.OptedOut, true).SetProperty(c => c.UpdatedAt, now));
        var person = pseudonyms.PersonOf(phone);
        journal.Audit(w, "optout.recorded", "twilio", seller, callId ?? person,
            new { person, channel, callSid, personal = journal.Personal(w, person, new { phone }) });
        journal.Publish(w, seller, AppEventTypes.ConsentRevoked, person,
            new { phone, scope = (string?)null, channel, revokedAt = now, callId });
        journal.Publish(w, seller, AppEventTypes.DncAdded, person, new { phone, channel, addedAt = now, callId });
    }
}
