using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceProxy.Consent;
using VoiceProxy.Data;
using VoiceProxy.DoNotCall;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Compliance;

/// <summary>Where the called party may be, as the caller supplied it (optional; it only adds candidates).</summary>
public sealed record CustomerLocation(string? State, string? TimeZone);

/// <summary>One call whose facts <see cref="FactGatherer.GatherManyAsync"/> gathers: at <paramref name="At"/>, not counting
/// the recorded call <paramref name="Call"/> among the recent ones.</summary>
public sealed record FactsRequest(CallIntent Intent, CustomerLocation? Customer, DateTimeOffset At, string? Call = null);

/// <summary>Does all the I/O the decision needs, so that <see cref="Gate.Decide"/> stays pure.</summary>
internal sealed class FactGatherer(
    VoiceProxyDb db, IDncRegistry registry, NpaTable npa, Gate gate, Pseudonyms pseudonyms, IOptions<VoiceProxyOptions> options)
{
    /// <summary>The instants of the calls the caps count. Compiled once: asked on every call and dry run.</summary>
    private static readonly PerModel<Func<
        VoiceProxyDb, string, string, string, DateTimeOffset, DateTimeOffset, IAsyncEnumerable<DateTimeOffset>>>
        RecentCalls = new(() => EF.CompileAsyncQuery(
            (VoiceProxyDb db, string seller, string to, string purpose, DateTimeOffset since, DateTimeOffset at) =>
                db.Calls.AsNoTracking()
                    .Where(c => c.Seller == seller && c.To == to && c.Allowed && c.Purpose == purpose
                        && c.RequestedAt > since && c.RequestedAt <= at)
                    .Select(c => c.RequestedAt)));

    public async Task<CallFacts> GatherAsync(
        CallIntent intent, CustomerLocation? customer, DateTimeOffset at, CancellationToken ct)
    {
        // One connection for the three queries instead of three trips through the pool.
        await db.Database.OpenConnectionAsync(ct);
        var number = pseudonyms.KeyOf(intent.To);
        var consents = await ConsentLedger.HistoryAsync(db, intent.Seller, number, ct);
        var dnc = await InternalDnc.CurrentAsync(db, intent.Seller, number, ct);
        var (_, window) = gate.Settings.CapFor(intent.Purpose);
        var purpose = Purposes.Name(intent.Purpose);
        var recent = await RecentCalls.For(db)(db, intent.Seller, intent.To, purpose, at - window, at).ToListAsync(ct);
        return Assemble(intent, consents, dnc, recent, Locate(intent.To, customer));
    }

    /// <summary>The facts for many calls at once, in their order: the same facts <see cref="GatherAsync"/> finds for each,
    /// read with three queries per seller and chunk instead of three per call (scrub, replay). A call's own record
    /// (<see cref="FactsRequest.Call"/>) is not among its recent calls.</summary>
    public async Task<CallFacts[]> GatherManyAsync(IReadOnlyList<FactsRequest> requests, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        var facts = new CallFacts[requests.Count];
        foreach (var seller in requests.Select((r, i) => (r, i)).GroupBy(x => x.r.Intent.Seller, StringComparer.Ordinal))
        {
            var keys = seller.Select(x => x.r.Intent.To).Distinct(StringComparer.Ordinal)
                .ToDictionary(n => n, pseudonyms.KeyOf, StringComparer.Ordinal);
            var stored = keys.Values.SelectMany(k => new[] { k.Phone, k.Erased }).ToList();
            var numbers = keys.Keys.ToList();
            // EF.Parameter: one array parameter (json_each, = ANY), so each chunk's count of numbers is not a query of its own.
            var consents = (await db.Consents.AsNoTracking()
                    .Where(e => e.Seller == seller.Key && EF.Parameter(stored).Contains(e.Phone)).ToListAsync(ct))
                .ToLookup(e => e.Phone, StringComparer.Ordinal);
            var dnc = (await db.DncEntries.AsNoTracking()
                    .Where(e => e.Seller == seller.Key && EF.Parameter(stored).Contains(e.Phone)).ToListAsync(ct))
                .ToLookup(e => e.Phone, StringComparer.Ordinal);
            var earliest = seller.Min(x => x.r.At - gate.Settings.CapFor(x.r.Intent.Purpose).Window);
            var latest = seller.Max(x => x.r.At);
            var calls = (await db.Calls.AsNoTracking()
                    .Where(c => c.Seller == seller.Key && EF.Parameter(numbers).Contains(c.To) && c.Allowed
                        && c.RequestedAt > earliest && c.RequestedAt <= latest)
                    .Select(c => new { c.Id, c.To, c.Purpose, c.RequestedAt }).ToListAsync(ct))
                .ToLookup(c => c.To, StringComparer.Ordinal);
            foreach (var (r, i) in seller)
            {
                var key = keys[r.Intent.To];
                var last = dnc[key.Phone].Concat(dnc[key.Erased]).MaxBy(e => e.Id);
                var since = r.At - gate.Settings.CapFor(r.Intent.Purpose).Window;
                var purpose = Purposes.Name(r.Intent.Purpose);
                var recent = calls[r.Intent.To]
                    .Where(c => c.Purpose == purpose && c.RequestedAt > since && c.RequestedAt <= r.At && c.Id != r.Call)
                    .Select(c => c.RequestedAt).ToList();
                facts[i] = Assemble(r.Intent, consents[key.Phone].Concat(consents[key.Erased]),
                    last is { Action: DncAction.Add } ? last : null, recent, LocateOnce(r.Intent.To, r.Customer));
            }
        }
        return facts;
    }

    private CallFacts Assemble(CallIntent intent, IEnumerable<ConsentEntry> consents, DncEntry? dnc,
        IReadOnlyList<DateTimeOffset> recent, Location? location)
    {
        var seller = options.Value.FindSeller(intent.Seller)!;
        var history = consents as IReadOnlyCollection<ConsentEntry> ?? consents.ToList();
        return new CallFacts(
            ConsentLedger.Current(history, Purposes.Transactional),
            ConsentLedger.Current(history, Purposes.Marketing),
            dnc?.At,
            Registries(intent, location),
            location,
            recent,
            new SellerPolicy(seller.CallerIds, seller.WrittenConsentExemptsRegistry,
                seller.OptOutNumber is { } line && Phone.TypeOf(line) == PhoneNumbers.PhoneNumberType.TOLL_FREE));
    }

    /// <summary>Marketing calls consult the national list and the list of every candidate state that keeps one.</summary>
    private List<RegistryFact> Registries(CallIntent intent, Location? location)
    {
        if (intent.Purpose != Purpose.Marketing) return [];
        var lists = (location?.States ?? [])
            .Where(gate.Settings.States.RegistryStates.Contains)
            .Select(RegistryLists.State)
            .Prepend(RegistryLists.National);
        return lists.Select(l => registry.Check(l, intent.To)).ToList();
    }

    /// <summary>Many rows share a few locations: each is found once per gatherer (one request), and the same one is the same
    /// object, which lets a caller tell equal facts apart cheaply.</summary>
    private Location? LocateOnce(string to, CustomerLocation? customer)
    {
        var key = (Phone.Npa(to), customer?.State, customer?.TimeZone);
        if (!_locations.TryGetValue(key, out var location)) _locations[key] = location = Locate(to, customer);
        return location;
    }

    private readonly Dictionary<(string, string?, string?), Location?> _locations = [];

    /// <summary>Candidates: every state and zone of the area code, plus the customer's state (with its zones) and zone.</summary>
    public Location? Locate(string to, CustomerLocation? customer)
    {
        if (npa.Find(Phone.Npa(to)) is not { } entry) return null;
        var states = entry.States.ToList();
        var zones = entry.TimeZones.ToList();
        var source = $"area code {entry.Npa}";
        if (customer?.State is { } state)
        {
            states.Add(state);
            zones.AddRange(npa.ZonesOf(state));
            source += $" + customer state {state}";
        }
        if (customer?.TimeZone is { } zone)
        {
            zones.Add(zone);
            source += $" + customer zone {zone}";
        }
        return new Location(states.Distinct().ToList(), zones.Distinct().Select(TimeZones.Find).ToList(), source);
    }
}
