using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceProxy.Consent;
using VoiceProxy.Data;
using VoiceProxy.DoNotCall;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Compliance;

/// <summary>Where the called party may be, as the caller supplied it (optional; it only adds candidates).</summary>
public sealed record CustomerLocation(string? State, string? TimeZone);

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
        var seller = options.Value.FindSeller(intent.Seller)!;
        // One connection for the three queries instead of three trips through the pool.
        await db.Database.OpenConnectionAsync(ct);
        var number = pseudonyms.KeyOf(intent.To);
        var consents = await ConsentLedger.HistoryAsync(db, intent.Seller, number, ct);
        var dnc = await InternalDnc.CurrentAsync(db, intent.Seller, number, ct);
        var (_, window, _) = gate.Settings.CapFor(intent.Purpose, at);
        var since = at - window;
        var purpose = Purposes.Name(intent.Purpose);
        var recent = await RecentCalls.For(db)(db, intent.Seller, intent.To, purpose, since, at).ToListAsync(ct);
        var location = Locate(intent.To, customer);
        return new CallFacts(
            ConsentLedger.Current(consents, Purposes.Transactional),
            ConsentLedger.Current(consents, Purposes.Marketing),
            dnc?.At,
            Registries(intent, location),
            location,
            recent,
            new SellerPolicy(seller.CallerIds, seller.WrittenConsentExemptsRegistry,
                seller.OptOutNumber is { } line && Phone.TypeOf(line) == PhoneNumbers.PhoneNumberType.TOLL_FREE),
            []);
    }

    /// <summary>Marketing calls consult the national list and the list of every candidate state that keeps one.</summary>
    private List<RegistryFact> Registries(CallIntent intent, Location? location)
    {
        if (intent.Purpose != Purpose.Marketing) return [];
        var lists = (location?.States ?? [])
            .Where(gate.Settings.Rules.Data.RegistryStates.Contains)
            .Select(RegistryLists.State)
            .Prepend(RegistryLists.National);
        return lists.Select(l => registry.Check(l, intent.To)).ToList();
    }

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
