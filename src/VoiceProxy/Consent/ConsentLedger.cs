using Microsoft.EntityFrameworkCore;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Consent;

/// <summary>Derives current consent from the append-only history.</summary>
internal static class ConsentLedger
{
    /// <summary>History in the customer's order: a grant counts from when it was captured, a revocation from when it was
    /// made; at the same instant the revocation wins. A revocation ends every earlier grant; the strongest later grant
    /// stands.</summary>
    public static ConsentStatus Current(IEnumerable<ConsentEntry> history, string scope)
    {
        var status = ConsentStatus.None;
        foreach (var e in Ordered(history).Where(e => e.Scope == scope || (e.Action == ConsentAction.Revoke && e.Scope is null)))
        {
            if (e.Action == ConsentAction.Revoke)
                status = new(ConsentState.Revoked, null, e.EffectiveAt);
            else if (status.State != ConsentState.Granted || (e.Kind == ConsentKinds.ExpressWritten && !status.IsWritten))
                status = new(ConsentState.Granted, e.Kind, e.EffectiveAt);
        }
        return status;
    }

    public static IEnumerable<ConsentEntry> Ordered(IEnumerable<ConsentEntry> history) =>
        history.OrderBy(e => e.EffectiveAt).ThenBy(e => e.Action).ThenBy(e => e.Id);

    // Compiled once: the gate asks this on every call and dry run.
    // The number's entries, and those whose personal data was erased (they hold the number's erased marker instead).
    private static readonly PerModel<Func<VoiceProxyDb, string, string, string, IAsyncEnumerable<ConsentEntry>>> History =
        new(() => EF.CompileAsyncQuery((VoiceProxyDb db, string seller, string phone, string erased) =>
            db.Consents.AsNoTracking().Where(e => e.Seller == seller && (e.Phone == phone || e.Phone == erased))));

    public static Task<List<ConsentEntry>> HistoryAsync(VoiceProxyDb db, string seller, PhoneKey number, CancellationToken ct) =>
        History.For(db)(db, seller, number.Phone, number.Erased).ToListAsync(ct).AsTask();

    public static ConsentEntry NewRevocation(
        string seller, string phone, string? scope, string channel, string? note, string by, DateTimeOffset at,
        DateTimeOffset? recordedAt = null) => new()
        {
            Seller = seller, Phone = phone, Action = ConsentAction.Revoke, Scope = scope, Channel = channel, Note = note,
            EffectiveAt = at, RecordedAt = recordedAt ?? at, RecordedBy = by,
        };
}
