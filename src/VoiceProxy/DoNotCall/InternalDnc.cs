using Microsoft.EntityFrameworkCore;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.DoNotCall;

/// <summary>The seller's internal do-not-call list, derived from its append-only history.</summary>
internal static class InternalDnc
{
    /// <summary>The entry that put the number on the list, or null when it is not on it now.</summary>
    public static async Task<DncEntry?> CurrentAsync(VoiceProxyDb db, string seller, PhoneKey number, CancellationToken ct)
    {
        var last = await Last.For(db)(db, seller, number.Phone, number.Erased, ct);
        return last is { Action: DncAction.Add } ? last : null;
    }

    // Compiled once: the gate asks this on every call and dry run. Entries whose personal data was erased hold the number's
    // erased marker instead of the number, and still count.
    private static readonly PerModel<Func<VoiceProxyDb, string, string, string, CancellationToken, Task<DncEntry?>>> Last =
        new(() => EF.CompileAsyncQuery((VoiceProxyDb db, string seller, string phone, string erased, CancellationToken ct) =>
            db.DncEntries.AsNoTracking()
                .Where(e => e.Seller == seller && (e.Phone == phone || e.Phone == erased))
                .OrderByDescending(e => e.Id)
                .FirstOrDefault()));

    public static DncEntry NewAddition(string seller, string phone, string reason, string by, DateTimeOffset at) => new()
    {
        Seller = seller, Phone = phone, Action = DncAction.Add, Reason = reason, At = at, RecordedBy = by,
    };
}
