using Microsoft.EntityFrameworkCore;
using VoiceProxy.Data;

namespace VoiceProxy.Compliance;

/// <summary>Every rule book a server has decided with, by version (table <c>rule_books</c>): the one in use is stored at
/// start-up, so any past decision's <c>rulesVersion</c> can be looked up and used again.</summary>
internal static class RuleBooks
{
    /// <summary>Stores the rule book under its version the first time any instance runs with it (the row, never changed,
    /// is the record; it is not an audit event, so the audit trail holds only what requests and calls did). Two instances
    /// starting together may both try; the one that loses finds it stored.</summary>
    public static async Task RecordAsync(RuleBook book, VoiceProxyDb db, StoreWriter writer, TimeProvider time)
    {
        if (await db.RuleBooks.AnyAsync(r => r.Version == book.Version)) return;
        try
        {
            await writer.WriteAsync(async w =>
            {
                if (await w.RuleBooks.AnyAsync(r => r.Version == book.Version)) return;
                w.RuleBooks.Add(new StoredRuleBook
                {
                    Version = book.Version, Label = book.Label, Sha256 = book.Sha256, Content = book.Content,
                    FirstUsedAt = time.GetUtcNow(),
                });
            });
        }
        catch (DbUpdateException)
        {
            // Another instance stored it in the meantime; anything else is a real failure.
            if (!await db.RuleBooks.AnyAsync(r => r.Version == book.Version)) throw;
        }
    }

    /// <summary>A stored rule book by its full version (<c>label@hash</c>) or by its label (the latest stored under it);
    /// null when none matches.</summary>
    public static async Task<RuleBook?> FindAsync(VoiceProxyDb db, string version, CancellationToken ct)
    {
        var row = await db.RuleBooks.AsNoTracking().Where(r => r.Version == version).FirstOrDefaultAsync(ct)
            ?? await db.RuleBooks.AsNoTracking().Where(r => r.Label == version)
                .OrderByDescending(r => r.FirstUsedAt).FirstOrDefaultAsync(ct);
        return row is null ? null : RuleBook.Parse(row.Content);
    }
}
