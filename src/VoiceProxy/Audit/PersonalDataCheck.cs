using Microsoft.EntityFrameworkCore;
using VoiceProxy.Data;

namespace VoiceProxy.Audit;

/// <summary>The personal data the audit events refer to: how much is still kept, how much was erased.</summary>
public sealed record PersonalDataSummary(long Kept, long Erased);

/// <summary>Checks each kept <see cref="PersonalData"/> row against the salted digest its event carries, so data changed after
/// it was written is found like a changed event; a row that is gone was erased (by request or retention, each recorded in
/// the chain as <c>privacy.erased</c> or <c>privacy.expired</c>).</summary>
internal static class PersonalDataCheck
{
    private const int Batch = 500;

    public static async Task<(PersonalDataSummary Summary, AuditFault? Fault)> RunAsync(VoiceProxyDb db, CancellationToken ct)
    {
        long kept = 0, erased = 0;
        var pending = new List<(AuditEvent Event, PersonalRef Ref)>(Batch);
        // Only events that refer to personal data; read in full first (no reader stays open while rows are looked up).
        var events = db.AuditEvents.AsNoTracking().Where(e => e.PayloadJson.Contains("\"personal\":{\"ref\":"))
            .OrderBy(e => e.Id);
        long after = 0;
        while (true)
        {
            var page = await events.Where(e => e.Id > after).Take(Batch).ToListAsync(ct);
            if (page.Count == 0) break;
            after = page[^1].Id;
            pending.Clear();
            foreach (var e in page)
                if (PersonalRecords.RefIn(e.PayloadJson) is { } reference) pending.Add((e, reference));
            var ids = pending.Select(p => p.Ref.Ref).ToList();
            var rows = await db.PersonalData.AsNoTracking().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
            foreach (var (e, reference) in pending)
            {
                if (!rows.TryGetValue(reference.Ref, out var row))
                    erased++;
                else if (!PersonalRecords.Matches(row, reference))
                    return (new PersonalDataSummary(kept, erased), new AuditFault(e.Id, e.Type, e.At,
                        "Its personal data does not match the digest written with the event: it was changed afterwards."));
                else
                    kept++;
            }
        }
        return (new PersonalDataSummary(kept, erased), null);
    }
}
