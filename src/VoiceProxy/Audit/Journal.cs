using System.Text.Json;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Audit;

/// <summary>
/// The one way history is written. An event about a call is both an entry on the call's timeline and an audit event, with
/// the same type, instant and payload, serialized once; an event about anything else is an audit event only. Audit events
/// are committed with a sequence number (their id) and sealed into the hash chain afterwards by <see cref="AuditSealer"/>.
/// Payloads carry no personal data: a person is named by a keyed pseudonym, and what must be kept about them (a number,
/// consent evidence, words spoken) goes into an erasable <see cref="PersonalData"/> row through <see cref="Personal"/>.
/// </summary>
internal sealed class Journal(Outbox outbox, TimeProvider time)
{
    /// <summary>Records an event on <paramref name="call"/>'s timeline and in the audit trail, and returns the timeline entry.
    /// <paramref name="dedupKey"/> (Twilio's idempotency token) makes a redelivered webhook fail its own write instead of being
    /// recorded twice. Only <paramref name="db"/> is changed, so a unit of the group commit may run it again.</summary>
    public CallEvent Call(VoiceProxyDb db, CallRecord call, string type, string actor, object payload, string? dedupKey = null) =>
        CallJson(db, call, type, actor, JsonSerializer.Serialize(payload, StoredJson.Options), dedupKey);

    /// <summary>As <see cref="Call"/>, for a payload already serialized with <see cref="StoredJson"/> (the decision).</summary>
    public CallEvent CallJson(VoiceProxyDb db, CallRecord call, string type, string actor, string json, string? dedupKey = null)
    {
        var at = time.GetUtcNow();
        var entry = new CallEvent { CallId = call.Id, At = at, Type = type, DetailJson = json, DedupKey = dedupKey };
        db.CallEvents.Add(entry);
        db.AuditEvents.Add(NewAuditEvent(at, type, actor, call.Seller, call.Id, json));
        return entry;
    }

    /// <summary>Records an audit event that is not about one call (consent, do-not-call, sign-in, registry).</summary>
    public void Audit(VoiceProxyDb db, string type, string actor, string? seller, string? subject, object payload) =>
        db.AuditEvents.Add(NewAuditEvent(
            time.GetUtcNow(), type, actor, seller, subject, JsonSerializer.Serialize(payload, StoredJson.Options)));

    /// <summary>Tells the seller's app (<see cref="AppEventTypes"/>): the event goes into the transactional outbox of the same
    /// unit as the change it reports, and is sent after that commits. <paramref name="person"/> is the pseudonym of the person
    /// <paramref name="data"/> names.</summary>
    public void Publish(VoiceProxyDb db, string seller, string type, string? person, object data) =>
        outbox.Add(db, seller, type, person, data);

    /// <summary>Keeps a person's data beside the events of this unit instead of in them (<see cref="PersonalData"/>): the row is
    /// added to <paramref name="db"/>, and the returned reference goes into the event's payload as <c>personal</c>, with the
    /// person's pseudonym as <c>person</c>. Written in the same unit as the event, so it costs no round trip of its
    /// own.</summary>
    public PersonalRef Personal(VoiceProxyDb db, string person, object data)
    {
        var (row, reference) = NewPersonal(person, data);
        db.PersonalData.Add(row);
        return reference;
    }

    /// <summary>As <see cref="Personal"/>, for a payload serialized before its unit runs: the caller adds the row in the
    /// unit.</summary>
    public (PersonalData Row, PersonalRef Ref) NewPersonal(string person, object data) =>
        PersonalRecords.New(person, time.GetUtcNow(), data);

    private static AuditEvent NewAuditEvent(
        DateTimeOffset at, string type, string actor, string? seller, string? subject, string json) =>
        new() { At = at, Type = type, Actor = actor, Seller = seller, Subject = subject, PayloadJson = json };
}
