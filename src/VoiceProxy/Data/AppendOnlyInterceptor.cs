using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace VoiceProxy.Data;

/// <summary>Refuses to edit or delete audit events and to delete the records the law says to keep: history is append-only.
/// (Sealing fills an audit event's chain position and hashes once, with one conditional statement outside the change
/// tracker.)</summary>
internal sealed class AppendOnlyInterceptor : SaveChangesInterceptor
{
    public static readonly AppendOnlyInterceptor Instance = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (eventData.Context is { } db) RefuseEditsOfRecords(db);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken ct = default) =>
        ValueTask.FromResult(SavingChanges(eventData, result));

    private static void RefuseEditsOfRecords(DbContext db)
    {
        foreach (var entry in db.ChangeTracker.Entries())
        {
            var refused = entry switch
            {
                { Entity: AuditEvent or AuditSeal, State: EntityState.Modified or EntityState.Deleted } => "an audit event",
                { Entity: CallRecord, State: EntityState.Deleted } => "a call record",
                { Entity: CallEvent, State: EntityState.Modified or EntityState.Deleted } => "a call event",
                { Entity: ConsentEntry, State: EntityState.Modified or EntityState.Deleted } => "a consent entry",
                { Entity: DncEntry, State: EntityState.Modified or EntityState.Deleted } => "a do-not-call entry",
                { Entity: RestrictedDate, State: EntityState.Deleted } => "a restricted date",
                { Entity: StoredRuleBook, State: EntityState.Modified or EntityState.Deleted } => "a stored rule book",
                { Entity: LookupAnswer, State: EntityState.Modified } => "a Lookup answer",
                _ => null,
            };
            if (refused is not null)
                throw new InvalidOperationException(
                    $"Refused to {(entry.State == EntityState.Deleted ? "delete" : "change")} {refused}: "
                    + "records are append-only.");
        }
    }
}
