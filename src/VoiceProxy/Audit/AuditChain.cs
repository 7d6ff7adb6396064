using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using VoiceProxy.Data;

namespace VoiceProxy.Audit;

/// <summary>The first event that breaks the chain, and why.</summary>
public sealed record AuditFault(long Id, string Type, DateTimeOffset At, string Problem);

/// <summary>The result of walking the chain: how many events checked out, the last good hash, and the first bad event.</summary>
public sealed record AuditVerification(
    bool Ok, long Events, string? Head,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AuditFault? FirstBad = null);

/// <summary>The hash chain over audit events: event n stores SHA-256(canonical(event n) including the hash of event n-1).</summary>
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
                .Append(value is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"{Encoding.UTF8.GetByteCount(value)}:{value}"))
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

    public static string HashOf(AuditEvent e, string previousHash) => Convert.ToHexStringLower(SHA256.HashData(Canonical(e, previousHash)));

    /// <summary>Walks every event in id order without loading them all, and stops at the first that fails.</summary>
    public static async Task<AuditVerification> VerifyAsync(VoiceProxyDb db, CancellationToken ct)
    {
        long count = 0;
        AuditEvent? previous = null;
        await foreach (var e in db.AuditEvents.AsNoTracking().OrderBy(e => e.Id).AsAsyncEnumerable().WithCancellation(ct))
        {
            var expectedPrevious = previous?.Hash ?? Genesis;
            var problem =
                previous is not null && e.Id != previous.Id + 1 ? $"Events {previous.Id + 1} to {e.Id - 1} are missing: the chain jumps from {previous.Id} to {e.Id}."
                : e.PreviousHash != expectedPrevious ? $"Its previous hash {Short(e.PreviousHash)} does not match the hash {Short(expectedPrevious)} of the event before it."
                : e.Hash != HashOf(e, expectedPrevious) ? "Its stored hash does not match its contents: the event was changed after it was written."
                : null;
            if (problem is not null)
                return new AuditVerification(false, count, previous?.Hash, new AuditFault(e.Id, e.Type, e.At, problem));
            previous = e;
            count++;
        }
        return new AuditVerification(true, count, previous?.Hash);
    }

    private static string Short(string? hash) => hash is null ? "(none)" : hash.Length > 12 ? hash[..12] + "…" : hash;
}
