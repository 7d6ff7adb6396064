using Microsoft.EntityFrameworkCore;
using VoiceProxy.Compliance;
using VoiceProxy.Consent;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Bulk;

/// <summary>What a replay re-decides: the calls requested in [From, To), of one seller or all, with a rule book, on the facts
/// kept with each call or (<paramref name="CurrentFacts"/>) on today's.</summary>
public sealed record ReplayRequest(DateTimeOffset From, DateTimeOffset To, string? Seller, string Rules, bool CurrentFacts);

public sealed record ReplayVerdict(bool Allowed, IReadOnlyList<string> Reasons);

/// <summary>A call whose verdict would differ. <see cref="FactsNotKept"/>: recorded before facts were kept, so re-decided on
/// today's facts.</summary>
public sealed record ReplayDifference(
    string CallId, string Seller, DateTimeOffset RequestedAt, bool FactsNotKept, ReplayVerdict Before, ReplayVerdict After);

/// <summary>Calls re-decided, how many would differ, how many had no kept facts, and how many could not be re-decided
/// because the person's data was erased (neither the number nor the facts exist any more).</summary>
public sealed record ReplayCounts(int Calls, int Changed, int FactsNotKept, int Erased);

/// <summary>
/// Replay: every recorded call request in a range decided again by the gate of a rule book, on the facts kept with the call
/// (consent, lists and their as-of dates, recent calls, location, the seller's caller IDs) or on today's, at the instant it
/// was requested. Reads the calls in short keyset chunks (as the export does) and decides each chunk on every core.
/// </summary>
internal sealed class Replayer(VoiceProxyDb db, FactGatherer gatherer)
{
    private const int Chunk = 4000;

    private sealed record Row(
        string Id, string Seller, string To, string From, string Purpose, string? State, string? TimeZone, bool Allowed,
        string? ReasonCodes, string? FactsJson, DateTimeOffset RequestedAt);

    public async Task<ReplayCounts> RunAsync(
        ReplayRequest request, Gate gate, Func<ReplayDifference, Task> difference, CancellationToken ct)
    {
        var (calls, changed, notKept, erased) = (0, 0, 0, 0);
        (DateTimeOffset At, string Id)? after = null;
        while (true)
        {
            var rows = await ChunkAfter(request, after).ToListAsync(ct);
            if (rows.Count == 0) break;
            after = (rows[^1].RequestedAt, rows[^1].Id);
            var live = rows.Where(r => !Pseudonyms.IsErased(r.To)).ToList();
            erased += rows.Count - live.Count;
            var kept = live.Select(r => request.CurrentFacts || r.FactsJson is null ? null : KeptFacts.Deserialize(r.FactsJson))
                .ToArray();
            var today = live.Select((r, i) => (r, i)).Where(x => kept[x.i] is null).ToList();
            var gathered = await gatherer.GatherManyAsync(today.Select(x => new FactsRequest(
                Intent(x.r), x.r.State is null && x.r.TimeZone is null ? null : new CustomerLocation(x.r.State, x.r.TimeZone),
                x.r.RequestedAt, x.r.Id)).ToList(), lookup: false, ct);
            var facts = (CallFacts[])kept.Clone();
            for (var t = 0; t < today.Count; t++) facts[today[t].i] = gathered[t];
            var verdicts = new ReplayVerdict[live.Count];
            Parallel.For(0, live.Count, i =>
            {
                var d = gate.Decide(Intent(live[i]), facts[i], live[i].RequestedAt, findNextAllowedAt: false);
                verdicts[i] = new ReplayVerdict(d.Allowed, d.Reasons.Select(r => r.Code).Distinct().ToList());
            });
            for (var i = 0; i < live.Count; i++)
            {
                var r = live[i];
                calls++;
                var noFacts = !request.CurrentFacts && kept[i] is null;
                if (noFacts) notKept++;
                var before = new ReplayVerdict(r.Allowed, Codes(r.ReasonCodes));
                if (before.Allowed == verdicts[i].Allowed && before.Reasons.Order().SequenceEqual(verdicts[i].Reasons.Order()))
                    continue;
                changed++;
                await difference(new ReplayDifference(r.Id, r.Seller, r.RequestedAt, noFacts, before, verdicts[i]));
            }
            if (rows.Count < Chunk) break;
        }
        return new ReplayCounts(calls, changed, notKept, erased);
    }

    private static CallIntent Intent(Row r) => new(r.Seller, r.To, Purposes.Parse(r.Purpose)!.Value, r.From);

    private static string[] Codes(string? codes) => codes?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];

    /// <summary>The next chunk in request order, seeking the RequestedAt index to the cursor.</summary>
    private IQueryable<Row> ChunkAfter(ReplayRequest request, (DateTimeOffset At, string Id)? after)
    {
        var calls = db.Calls.AsNoTracking().Where(c => c.RequestedAt >= request.From && c.RequestedAt < request.To);
        if (request.Seller is { } seller) calls = calls.Where(c => c.Seller == seller);
        if (after is var (at, id))
            // EF Core translates string.Compare to SQL's '>' (ordinal for these ASCII ids); CompareOrdinal has no translation.
#pragma warning disable CA1309
            calls = calls.Where(c => c.RequestedAt >= at && (c.RequestedAt > at || string.Compare(c.Id, id) > 0));
#pragma warning restore CA1309
        return calls.OrderBy(c => c.RequestedAt).ThenBy(c => c.Id).Take(Chunk).Select(c => new Row(
            c.Id, c.Seller, c.To, c.From, c.Purpose, c.CustomerState, c.CustomerTimeZone, c.Allowed, c.ReasonCodes,
            request.CurrentFacts ? null : c.FactsJson, c.RequestedAt));
    }
}

/// <summary>The rule books a replay may name: <c>current</c>, the rules this process decides with, or any stored rule book
/// by its version or label (RuleBooks: every rule book a server has decided with is stored at start-up).</summary>
public interface IRuleBooks
{
    /// <summary>The gate that decides by the named rule book, or null when there is no such version.</summary>
    Task<Gate?> FindAsync(string version, CancellationToken ct);
}

internal sealed class StoredRules(Gate gate, VoiceProxyDb db) : IRuleBooks
{
    public const string Current = "current";

    public async Task<Gate?> FindAsync(string version, CancellationToken ct) =>
        version == Current ? gate
        : await RuleBooks.FindAsync(db, version, ct) is { } book ? new Gate(gate.Settings with { Rules = book }) : null;
}
