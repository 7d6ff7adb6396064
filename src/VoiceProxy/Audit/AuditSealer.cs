using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Audit;

/// <summary>
/// Sequence now, seal soon. Requests commit audit events with a sequence number (their id) and take no chain-wide lock; this
/// background service links the committed, unsealed events into the keyed hash chain in id order (with the current audit
/// key, whose id each seal records) and records each seal. Events
/// are chosen by "not yet sealed", never by "after the last sealed id", so an event whose transaction committed late (a
/// lower id seen after higher ones, as PostgreSQL sequences allow) is sealed in the next pass, after the others, and never
/// skipped. A pass runs as one unit of the group commit; on PostgreSQL it first takes a transaction-scoped advisory lock,
/// and an instance that does not get it leaves that pass to the instance that did. Events left unsealed by a crash are
/// sealed when the next process starts.
/// </summary>
internal sealed class AuditSealer(
    StoreWriter writer, AuditKeys keys, TimeProvider time, IOptions<VoiceProxyOptions> options, ILogger<AuditSealer> log)
    : BackgroundService
{
    /// <summary>Events sealed in one pass at most; a longer backlog takes several passes straight after each other.</summary>
    public const int PassSize = 5000;

    /// <summary>Names the chain's advisory lock on PostgreSQL (an arbitrary constant).</summary>
    private const string PostgresSealLock = "SELECT pg_try_advisory_xact_lock(6228441113094775140)";

    private const string SealEvent =
        "UPDATE audit_events SET \"Position\" = @position, \"PreviousHash\" = @previous, \"Hash\" = @hash " +
        "WHERE \"Id\" = @id AND \"Position\" IS NULL";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.Audit.SealIntervalMilliseconds));
        do
        {
            try
            {
                while (await SealOnceAsync() == PassSize && !stoppingToken.IsCancellationRequested) { }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning("Sealing the audit chain failed; will retry: {Error}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Seals the committed, unsealed events (up to <see cref="PassSize"/>); returns how many.</summary>
    public Task<int> SealOnceAsync() => writer.WriteAsync(async db =>
    {
        if (db.Database.IsNpgsql() && !await db.Database.SqlQueryRaw<bool>(PostgresSealLock + " AS \"Value\"").SingleAsync())
            return 0;
        var pending = await db.AuditEvents.AsNoTracking()
            .Where(e => e.Position == null)
            .OrderBy(e => e.Id)
            .Take(PassSize)
            .ToListAsync();
        if (pending.Count == 0) return 0;
        var head = await db.AuditEvents.AsNoTracking().Where(e => e.Position != null).OrderByDescending(e => e.Position)
            .Select(e => new { e.Position, e.Hash }).FirstOrDefaultAsync();
        var (position, hash) = (head?.Position ?? 0, head?.Hash ?? AuditChain.Genesis);
        var first = position + 1;
        var key = keys.Current;

        await using var command = db.Command(SealEvent);
        var (pPosition, pPrevious, pHash, pId) = (command.Parameter("@position", DbType.Int64),
            command.Parameter("@previous", DbType.String), command.Parameter("@hash", DbType.String),
            command.Parameter("@id", DbType.Int64));
        foreach (var e in pending)
        {
            (pPosition.Value, pPrevious.Value, pId.Value) = (++position, hash, e.Id);
            pHash.Value = hash = AuditChain.HashOf(e, hash, key);
            if (await command.ExecuteNonQueryAsync() != 1)
                throw new InvalidOperationException($"Audit event {e.Id} was sealed by someone else during this pass.");
        }
        db.AuditSeals.Add(new AuditSeal
        {
            At = time.GetUtcNow(), FirstPosition = first, LastPosition = position, HeadHash = hash, KeyId = key.Id,
        });
        return pending.Count;
    });
}
