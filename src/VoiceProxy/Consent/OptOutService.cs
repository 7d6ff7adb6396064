using VoiceProxy.Audit;
using VoiceProxy.Data;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Consent;

/// <summary>An opt-out revokes every purpose for the seller and puts the number on its internal list (revoke-all,
/// FCC 24-24 / DA 26-12, applied now). Both are committed before the caller hears the confirmation.</summary>
internal sealed class OptOutService(VoiceProxyDb db, AuditLog audit, TimeProvider time)
{
    public async Task RecordAsync(string seller, string phone, string channel, string? callSid, CallRecord? call, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var note = callSid is null ? $"{channel} opt-out" : $"{channel} opt-out during call {callSid}";
        db.Consents.Add(ConsentLedger.NewRevocation(seller, phone, scope: null, channel, note, "twilio", now));
        db.DncEntries.Add(InternalDnc.NewAddition(seller, phone, note, "twilio", now));
        if (call is not null)
        {
            call.OptedOut = true;
            call.UpdatedAt = now;
        }
        audit.Append("optout.recorded", "twilio", seller, call?.Id ?? phone, new { phone, channel, callSid });
        await db.SaveChangesAsync(ct);
    }
}
