using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using VoiceProxy.Data;

namespace VoiceProxy.Audit;

/// <summary>The first event that breaks the chain, and why.</summary>
public sealed record AuditFault(long Id, string Type, DateTimeOffset At, string Problem);

/// <summary>The result of walking the sealed chain: how many events checked out, the last good hash, the first bad event, and how
/// many committed events still wait to be sealed (normally sealed within a second), and how much of the personal data the
/// events refer to is kept or erased.</summary>
public sealed record AuditVerification(
    bool Ok, long Events, string? Head,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AuditFault? FirstBad = null,
    long Unsealed = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PersonalDataSummary? Personal = null);

/// <summary>The keyed hash chain over audit events: the event at position n stores HMAC-SHA256(key, canonical(event) including
/// the hash of the event at position n-1), with the key named by the seal that covers position n. Without the key nobody can
/// compute a hash that verifies, so an edited event cannot be rehashed to match.</summary>
public static class AuditChain
{
    /// <summary>The previous hash of the first event.</summary>
    public static readonly string Genesis = new('0', 64);

    /// <summary>
    /// Version 1 of the canonical form: a header line, then one line per field in a fixed order, each
    /// "name length:value" (length in UTF-8 bytes) or "name -" for null. Length prefixes make it unambiguous
    /// whatever the values contain; nothing depends on a JSON serializer's escaping, which may change.
    /// </summary>
    public static byte[] Canonical(AuditEvent e, string previousHash)
    {
        var text = new StringBuilder("voiceproxy-audit-v1\n");
        void Field(string name, string? value) =>
            text.Append(name).Append(' ')
                .Append(value is null
                    ? "-"
                    : string.Create(CultureInfo.InvariantCulture, $"{Encoding.UTF8.GetByteCount(value)}:{value}"))
                .Append('\n');
        Field("id", e.Id.ToString(CultureInfo.InvariantCulture));
        Field("at", e.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        Field("type", e.Type);
        Field("actor", e.Actor);
        Field("seller", e.Seller);
        Field("subject", e.Subject);
        Field("payload", e.PayloadJson);
        Field("previous", previousHash);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public static string HashOf(AuditEvent e, string previousHash, AuditKey key) => key.Mac(Canonical(e, previousHash));

    /// <summary>Events (and the seals covering them) read per query: each read is short, so a walk of a long chain never holds
    /// SQLite's log from being checkpointed.</summary>
    public const int ChunkSize = 2000;

    /// <summary>Walks the sealed events in chain order, <see cref="ChunkSize"/> at a time, and stops at the first that fails.
    /// Each event must carry the previous event's hash and its own keyed hash, computed with the key its seal names; each
    /// seal's head must be the hash of the event at its last position. The latest seal, read first (seals and sealed events
    /// only ever grow), must be reached, so events cut from the end past it are found too; a <paramref name="checkpoint"/>
    /// (already checked genuine) must be reached with its hash, which finds events cut together with their seals.</summary>
    public static async Task<AuditVerification> VerifyAsync(
        VoiceProxyDb db, AuditKeys keys, CancellationToken ct, AuditCheckpoint? checkpoint = null)
    {
        var seal = await db.AuditSeals.AsNoTracking().OrderByDescending(s => s.LastPosition).FirstOrDefaultAsync(ct);
        // Counted before the end is read: whatever was unsealed then and sealed since is walked, never missed from both.
        var unsealed = await db.AuditEvents.LongCountAsync(e => e.Position == null, ct);
        var end = await db.AuditEvents.Where(e => e.Position != null).MaxAsync(e => e.Position, ct) ?? 0;
        long count = 0;
        AuditEvent? previous = null;
        AuditVerification Broken(AuditEvent? at, string problem, DateTimeOffset when) => new(false, count, previous?.Hash,
            at is null ? new AuditFault(0, "(none)", when, problem) : new AuditFault(at.Id, at.Type, at.At, problem), unsealed);

        while (count < end)
        {
            var after = count;
            var chunk = await db.AuditEvents.AsNoTracking()
                .Where(e => e.Position > after && e.Position <= end).OrderBy(e => e.Position).Take(ChunkSize).ToListAsync(ct);
            if (chunk.Count == 0) break;
            var (low, high) = (chunk[0].Position, chunk[^1].Position);
            // The seals ending inside the chunk, and the one seal (if any) that covers its last events and ends after it: two
            // range reads of the LastPosition index, never a scan of every later seal.
            var seals = await db.AuditSeals.AsNoTracking()
                .Where(s => s.LastPosition >= low && s.LastPosition <= high).OrderBy(s => s.LastPosition).ToListAsync(ct);
            if (await db.AuditSeals.AsNoTracking().Where(s => s.LastPosition > high).OrderBy(s => s.LastPosition)
                    .FirstOrDefaultAsync(ct) is { } straddling && straddling.FirstPosition <= high)
                seals.Add(straddling);
            var s = 0;
            foreach (var e in chunk)
            {
                while (s < seals.Count && seals[s].LastPosition < e.Position) s++;
                var cover = s < seals.Count && seals[s].FirstPosition <= e.Position ? seals[s] : null;
                if (Check(e, count + 1, previous?.Hash ?? Genesis, cover, keys, checkpoint) is { } problem)
                    return Broken(e, problem, e.At);
                previous = e;
                count++;
            }
        }
        if (seal is not null && seal.LastPosition > count)
            return Broken(previous, $"The seal of {seal.At:O} covers positions up to {seal.LastPosition}, "
                + $"but the chain ends at {count}: events were removed.", seal.At);
        if (checkpoint is not null && checkpoint.Position > count)
            return Broken(previous, $"The checkpoint of {checkpoint.SealedAt:O} records position {checkpoint.Position}, "
                + $"but the chain ends at {count}: events were removed after it was taken.", checkpoint.SealedAt);
        var (personal, changed) = await PersonalDataCheck.RunAsync(db, ct);
        return new AuditVerification(changed is null, count, previous?.Hash, changed, unsealed, personal);
    }

    private static string? Check(
        AuditEvent e, long position, string previousHash, AuditSeal? seal, AuditKeys keys, AuditCheckpoint? checkpoint)
    {
        if (e.Position != position)
            return $"Events at chain positions {position} to {e.Position - 1} are missing: the chain jumps to {e.Position}.";
        if (e.PreviousHash != previousHash)
            return $"Its previous hash {Short(e.PreviousHash)} does not match the hash {Short(previousHash)} "
                + "of the event before it.";
        if (seal is null)
            return $"No seal record covers chain position {position}: the seal records were changed.";
        if (keys.Find(seal.KeyId) is not { } key)
            return $"It was sealed with another key (id '{seal.KeyId}'), not one configured here "
                + $"({string.Join(", ", keys.Ids)}); add that key to VoiceProxy:Audit:RetiredKeys to verify it.";
        if (e.Hash != HashOf(e, previousHash, key))
            return "Its stored hash does not match its contents with the audit key: the event was changed after it was "
                + "written (and rehashed without the key, if the events after it still link to it).";
        if (e.Position == seal.LastPosition && e.Hash != seal.HeadHash)
            return $"The seal of {seal.At:O} records head {Short(seal.HeadHash)} at position {seal.LastPosition}, "
                + "not this event's hash.";
        if (e.Position == checkpoint?.Position && e.Hash != checkpoint.Hash)
            return $"The checkpoint of {checkpoint.SealedAt:O} records hash {Short(checkpoint.Hash)} at position "
                + $"{checkpoint.Position}, not this event's hash: the chain was rewritten after it was taken.";
        return null;
    }

    private static string Short(string? hash) => hash is null ? "(none)" : hash.Length > 12 ? hash[..12] + "…" : hash;
}
