using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using VoiceProxy.Data;

namespace VoiceProxy.Audit;

/// <summary>
/// Links new audit events into the chain at save time, inside the transaction that writes them, so the head it
/// reads cannot move before the commit: one ordered chain across threads and processes. SQLite's
/// BEGIN IMMEDIATE (what Microsoft.Data.Sqlite issues for a default transaction) takes the database's single
/// write lock; on PostgreSQL a transaction-scoped advisory lock does the same. Each event also gets the id after
/// the head's, so even a writer that bypassed the lock could only fail on the primary key, never fork the chain.
/// Also refuses to edit or delete audit events and to delete the records the law says to keep.
/// </summary>
public sealed class AuditChainInterceptor : SaveChangesInterceptor
{
    public static readonly AuditChainInterceptor Instance = new();

    /// <summary>Takes the chain head's advisory lock on PostgreSQL; the number is an arbitrary constant naming it.</summary>
    private const string PostgresChainLock = "SELECT pg_advisory_xact_lock(6228441113094775140)";

    private readonly ConditionalWeakTable<DbContext, IDbContextTransaction> _owned = [];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result) =>
        SavingChangesAsync(eventData, result).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken ct = default)
    {
        if (eventData.Context is not { } db) return result;
        RefuseEditsOfRecords(db);
        var added = db.ChangeTracker.Entries<AuditEvent>().Where(e => e.State == EntityState.Added)
            // EF's temporary keys count up in the order the events were added.
            .OrderBy(e => e.Entity.Id).ToList();
        if (added.Count == 0) return result;

        if (db.Database.CurrentTransaction is null)
            _owned.AddOrUpdate(db, await db.Database.BeginTransactionAsync(ct));
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlRawAsync(PostgresChainLock, ct);
            // timestamptz keeps microseconds, not .NET's 100 ns ticks: hash the instant as it will be read back, or
            // verification would take every event for an edited one.
            foreach (var entry in added)
                entry.Property(e => e.At).CurrentValue = new DateTimeOffset(entry.Entity.At.UtcTicks / 10 * 10, TimeSpan.Zero);
        }

        var head = await db.Set<AuditEvent>().AsNoTracking().OrderByDescending(e => e.Id)
            .Select(e => new { e.Id, e.Hash }).FirstOrDefaultAsync(ct);
        var (id, hash) = (head?.Id ?? 0, head is null ? AuditChain.Genesis : head.Hash ?? AuditChain.Genesis);
        foreach (var entry in added)
        {
            entry.Property(e => e.Id).CurrentValue = ++id;
            entry.Entity.PreviousHash = hash;
            entry.Entity.Hash = hash = AuditChain.HashOf(entry.Entity, hash);
        }
        return result;
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (Release(eventData.Context) is { } tx) { tx.Commit(); tx.Dispose(); }
        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken ct = default)
    {
        if (Release(eventData.Context) is { } tx) { await tx.CommitAsync(ct); await tx.DisposeAsync(); }
        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Release(eventData.Context)?.Dispose();

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken ct = default) =>
        Release(eventData.Context)?.DisposeAsync().AsTask() ?? Task.CompletedTask;

    public override void SaveChangesCanceled(DbContextEventData eventData) => Release(eventData.Context)?.Dispose();

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken ct = default) =>
        Release(eventData.Context)?.DisposeAsync().AsTask() ?? Task.CompletedTask;

    private IDbContextTransaction? Release(DbContext? db) =>
        db is not null && _owned.TryGetValue(db, out var tx) && _owned.Remove(db) ? tx : null;

    private static void RefuseEditsOfRecords(DbContext db)
    {
        foreach (var entry in db.ChangeTracker.Entries())
        {
            var refused = entry switch
            {
                { Entity: AuditEvent, State: EntityState.Modified or EntityState.Deleted } => "an audit event",
                { Entity: CallRecord, State: EntityState.Deleted } => "a call record",
                { Entity: CallEvent, State: EntityState.Modified or EntityState.Deleted } => "a call event",
                { Entity: ConsentEntry, State: EntityState.Modified or EntityState.Deleted } => "a consent entry",
                { Entity: DncEntry, State: EntityState.Modified or EntityState.Deleted } => "a do-not-call entry",
                _ => null,
            };
            if (refused is not null)
                throw new InvalidOperationException($"Refused to {(entry.State == EntityState.Deleted ? "delete" : "change")} {refused}: records are append-only.");
        }
    }
}
