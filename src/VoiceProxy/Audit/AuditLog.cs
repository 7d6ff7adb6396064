using System.Text.Json;
using VoiceProxy.Data;

namespace VoiceProxy.Audit;

/// <summary>Appends audit events to the unit of work, so each is committed with the change it records.</summary>
internal sealed class AuditLog(VoiceProxyDb db, TimeProvider time)
{
    public void Append(string type, string actor, string? seller, string? subject, object payload) =>
        db.AuditEvents.Add(new AuditEvent
        {
            At = time.GetUtcNow(),
            Type = type,
            Actor = actor,
            Seller = seller,
            Subject = subject,
            PayloadJson = JsonSerializer.Serialize(payload, StoredJson.Options),
        });
}
