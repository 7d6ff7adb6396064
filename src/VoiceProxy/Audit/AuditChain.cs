using System.Globalization;
using System.Security.Cryptography;
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

/// <summary>The hash chain over audit events: the event at position n stores SHA-256(canonical(event) including the hash of the
/// event at position n-1).</summary>
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

    public static string HashOf(AuditEvent e, string previousHash) =>
        Convert.ToHexStringLower(SHA256.HashData(Canonical(e, previousHash)));

    /// <summary>Walks the sealed events in chain order without loading them all, and stops at the first that fails. The latest
    /// seal, read first (seals and sealed events only ever grow), must match the event at its last position, so events cut
    /// from the end are found too.</summary>
    public static async Task<AuditVerification> VerifyAsync(VoiceProxyDb db, CancellationToken ct)
    {
        var seal = await db.AuditSeals.AsNoTracking().OrderByDescending(s => s.LastPosition).FirstOrDefaultAsync(ct);
        var unsealed = await db.AuditEvents.LongCountAsync(e => e.Position == null, ct);
        long count = 0;
        AuditEvent? previous = null;
        await foreach (var e in db.AuditEvents.AsNoTracking().Where(e => e.Position != null).OrderBy(e => e.Position)
            .AsAsyncEnumerable().WithCancellation(ct))
        {
            var expectedPosition = count + 1;
            var expectedPrevious = previous?.Hash ?? Genesis;
            var problem =
                e.Position != expectedPosition
                    ? $"Events at chain positions {expectedPosition} to {e.Position - 1} are missing: "
                        + $"the chain jumps to {e.Position}."
                : e.PreviousHash != expectedPrevious
                    ? $"Its previous hash {Short(e.PreviousHash)} does not match "
                        + $"the hash {Short(expectedPrevious)} of the event before it."
                : e.Hash != HashOf(e, expectedPrevious)
                    ? "Its stored hash does not match its contents: the event was changed after it was written."
                : e.Position == seal?.LastPosition && e.Hash != seal.HeadHash
                    ? $"The seal of {seal.At:O} records head {Short(seal.HeadHash)} at position {seal.LastPosition}, "
                        + "not this event's hash."
                : null;
            if (problem is not null)
                return new AuditVerification(false, count, previous?.Hash, new AuditFault(e.Id, e.Type, e.At, problem), unsealed);
            previous = e;
            count++;
        }
        if (seal is not null && seal.LastPosition > count)
        {
            var problem = $"The seal of {seal.At:O} covers positions up to {seal.LastPosition}, "
                + $"but the chain ends at {count}: events were removed.";
            var fault = previous is null
                ? new AuditFault(0, "(none)", seal.At, problem)
                : new AuditFault(previous.Id, previous.Type, previous.At, problem);
            return new AuditVerification(false, count, previous?.Hash, fault, unsealed);
        }
        var (personal, changed) = await PersonalDataCheck.RunAsync(db, ct);
        return new AuditVerification(changed is null, count, previous?.Hash, changed, unsealed, personal);
    }

    private static string Short(string? hash) => hash is null ? "(none)" : hash.Length > 12 ? hash[..12] + "…" : hash;
}
