using Microsoft.EntityFrameworkCore;
using VoiceProxy.Data;

namespace VoiceProxy.DoNotCall;

/// <summary>The seller's internal do-not-call list, derived from its append-only history.</summary>
internal static class InternalDnc
{
    /// <summary>The entry that put the number on the list, or null when it is not on it now.</summary>
    public static async Task<DncEntry?> CurrentAsync(VoiceProxyDb db, string seller, string phone, CancellationToken ct)
    {
        var last = await db.DncEntries.AsNoTracking()
            .Where(e => e.Seller == seller && e.Phone == phone)
            .OrderByDescending(e => e.Id)
            .FirstOrDefaultAsync(ct);
        return last is { Action: DncAction.Add } ? last : null;
    }

    public static DncEntry NewAddition(string seller, string phone, string reason, string by, DateTimeOffset at) => new()
    {
        Seller = seller, Phone = phone, Action = DncAction.Add, Reason = reason, At = at, RecordedBy = by,
    };
}
