using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceProxy.Consent;
using VoiceProxy.Data;
using VoiceProxy.DoNotCall;
using VoiceProxy.Infrastructure;
using VoiceProxy.Lookup;

namespace VoiceProxy.Compliance;

/// <summary>Where the called party may be, as the caller supplied it (optional; it only adds candidates).</summary>
public sealed record CustomerLocation(string? State, string? TimeZone);

/// <summary>One call whose facts <see cref="FactGatherer.GatherManyAsync"/> gathers: at <paramref name="At"/>, not counting
/// the recorded call <paramref name="Call"/> among the recent ones.</summary>
public sealed record FactsRequest(CallIntent Intent, CustomerLocation? Customer, DateTimeOffset At, string? Call = null);

/// <summary>Does all the I/O the decision needs, so that <see cref="Gate.Decide"/> stays pure.</summary>
internal sealed class FactGatherer(
    VoiceProxyDb db, IDncRegistry registry, NpaTable npa, Gate gate, Pseudonyms pseudonyms, IOptions<VoiceProxyOptions> options,
    LookupService lookups, IOptions<LookupOptions> lookupOptions)
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

    /// <summary>The restricted dates of some states around an instant that were not ended before it.</summary>
    private static readonly PerModel<Func<
        VoiceProxyDb, string[], DateOnly, DateOnly, DateTimeOffset, IAsyncEnumerable<RestrictedDateFact>>>
        Restricted = new(() => EF.CompileAsyncQuery(
            (VoiceProxyDb db, string[] states, DateOnly first, DateOnly last, DateTimeOffset at) =>
                db.RestrictedDates.AsNoTracking()
                    .Where(r => states.Contains(r.State) && r.To >= first && r.From <= last
                        && (r.EndedAt == null || r.EndedAt > at))
                    .Select(r => new RestrictedDateFact(r.Id, r.State, r.From, r.To, r.AppliesTo, r.Citation))));

    /// <summary>The latest call a human answered and completed without opting out, after the consent: a date on which the
    /// seller knows the same person could be reached (what Lookup's LastVerifiedDate may be).</summary>
    private static readonly PerModel<Func<
        VoiceProxyDb, string, string, DateTimeOffset, DateTimeOffset, CancellationToken, Task<DateTimeOffset?>>>
        LastAnswered = new(() => EF.CompileAsyncQuery(
            (VoiceProxyDb db, string seller, string to, DateTimeOffset after, DateTimeOffset at, CancellationToken ct) =>
                db.Calls.AsNoTracking()
                    .Where(c => c.Seller == seller && c.To == to && c.Status == CallStatus.Completed && c.AnsweredBy == "human"
                        && !c.OptedOut && c.RequestedAt > after && c.RequestedAt <= at)
                    .OrderByDescending(c => c.RequestedAt)
                    .Select(c => (DateTimeOffset?)c.RequestedAt)
                    .FirstOrDefault()));

    /// <summary>Every fact for the call. <paramref name="lookup"/> false leaves Twilio Lookup out (its checks are then
    /// not_applicable): a dry run's <c>"lookup": false</c>, or a bulk scrub that did not ask for it.</summary>
    public async Task<CallFacts> GatherAsync(
        CallIntent intent, CustomerLocation? customer, DateTimeOffset at, bool lookup, CancellationToken ct)
    {
        var seller = options.Value.FindSeller(intent.Seller)!;
        // One connection for the four queries instead of four trips through the pool.
        await db.Database.OpenConnectionAsync(ct);
        var number = pseudonyms.KeyOf(intent.To);
        var consents = await ConsentLedger.HistoryAsync(db, intent.Seller, number, ct);
        var dnc = await InternalDnc.CurrentAsync(db, intent.Seller, number, ct);
        var (_, window, _) = gate.Settings.CapFor(intent.Purpose, at);
        var since = at - window;
        var purpose = Purposes.Name(intent.Purpose);
        var recent = await RecentCalls.For(db)(db, intent.Seller, intent.To, purpose, since, at).ToListAsync(ct);
        var location = Locate(intent.To, customer);
        // Read on every decision, never cached: a date another instance restricted a moment ago applies at once.
        var (first, last) = RuleBook.DatesAt(at);
        var restricted = location is null ? []
            : await Restricted.For(db)(db, location.States.ToArray(), first, last, at).ToListAsync(ct);
        var relied = ConsentLedger.Current(consents, Purposes.Name(intent.Purpose));
        return Assemble(intent, seller, consents, dnc, recent, location, restricted,
            await LookupAsync(intent, seller, relied, at, lookup, location?.Country, ct));
    }

    /// <summary>The facts for many calls at once, in their order: the same facts <see cref="GatherAsync"/> finds for each,
    /// read with four queries per seller and chunk instead of four per call (scrub, replay). Twilio Lookup is consulted per
    /// number (its cache first) only when <paramref name="lookup"/> says so. A call's own record
    /// (<see cref="FactsRequest.Call"/>) is not among its recent calls.</summary>
    public async Task<CallFacts[]> GatherManyAsync(IReadOnlyList<FactsRequest> requests, bool lookup, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        var facts = new CallFacts[requests.Count];
        if (requests.Count == 0) return facts;
        var restricted = await RestrictedAroundAsync(requests, ct);
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
            var earliest = seller.Min(x => x.r.At - gate.Settings.CapFor(x.r.Intent.Purpose, x.r.At).Window);
            var latest = seller.Max(x => x.r.At);
            var calls = (await db.Calls.AsNoTracking()
                    .Where(c => c.Seller == seller.Key && EF.Parameter(numbers).Contains(c.To) && c.Allowed
                        && c.RequestedAt > earliest && c.RequestedAt <= latest)
                    .Select(c => new { c.Id, c.To, c.Purpose, c.RequestedAt }).ToListAsync(ct))
                .ToLookup(c => c.To, StringComparer.Ordinal);
            var sellerOptions = options.Value.FindSeller(seller.Key)!;
            foreach (var (r, i) in seller)
            {
                var key = keys[r.Intent.To];
                var last = dnc[key.Phone].Concat(dnc[key.Erased]).MaxBy(e => e.Id);
                var since = r.At - gate.Settings.CapFor(r.Intent.Purpose, r.At).Window;
                var purpose = Purposes.Name(r.Intent.Purpose);
                var recent = calls[r.Intent.To]
                    .Where(c => c.Purpose == purpose && c.RequestedAt > since && c.RequestedAt <= r.At && c.Id != r.Call)
                    .Select(c => c.RequestedAt).ToList();
                var location = LocateOnce(r.Intent.To, r.Customer);
                var history = consents[key.Phone].Concat(consents[key.Erased]).ToList();
                var answers = lookup
                    ? await LookupAsync(r.Intent, sellerOptions, ConsentLedger.Current(history, purpose), r.At, true,
                        location?.Country, ct)
                    : LookupFacts.NotConsulted(PolicyOf(sellerOptions), "Twilio Lookup was not asked for these calls");
                facts[i] = Assemble(r.Intent, sellerOptions, history, last is { Action: DncAction.Add } ? last : null, recent,
                    location, RestrictedFor(restricted, location, r.At), answers);
            }
        }
        return facts;
    }

    /// <summary>The restricted dates any of <paramref name="requests"/> may fall on, in one query; each call takes its own
    /// with <see cref="RestrictedFor"/>.</summary>
    private async Task<List<(RestrictedDateFact Fact, DateTimeOffset? EndedAt)>> RestrictedAroundAsync(
        IReadOnlyList<FactsRequest> requests, CancellationToken ct)
    {
        var first = RuleBook.DatesAt(requests.Min(r => r.At)).First;
        var last = RuleBook.DatesAt(requests.Max(r => r.At)).Last;
        var states = requests.SelectMany(r => LocateOnce(r.Intent.To, r.Customer)?.States ?? []).Distinct().ToArray();
        if (states.Length == 0) return [];
        var rows = await db.RestrictedDates.AsNoTracking()
            .Where(r => EF.Parameter(states).Contains(r.State) && r.To >= first && r.From <= last)
            .ToListAsync(ct);
        return rows.Select(r => (new RestrictedDateFact(r.Id, r.State, r.From, r.To, r.AppliesTo, r.Citation), r.EndedAt))
            .ToList();
    }

    private static List<RestrictedDateFact> RestrictedFor(
        List<(RestrictedDateFact Fact, DateTimeOffset? EndedAt)> all, Location? location, DateTimeOffset at)
    {
        if (location is null || all.Count == 0) return [];
        var (first, last) = RuleBook.DatesAt(at);
        return all.Where(r => location.States.Contains(r.Fact.State) && r.Fact.To >= first && r.Fact.From <= last
            && (r.EndedAt is null || r.EndedAt > at)).Select(r => r.Fact).ToList();
    }

    private CallFacts Assemble(CallIntent intent, SellerOptions seller, IReadOnlyCollection<ConsentEntry> consents,
        DncEntry? dnc, IReadOnlyList<DateTimeOffset> recent, Location? location, IReadOnlyList<RestrictedDateFact> restricted,
        LookupFacts lookup) =>
        new(
            ConsentLedger.Current(consents, Purposes.Transactional),
            ConsentLedger.Current(consents, Purposes.Marketing),
            dnc?.At,
            Registries(intent, location),
            location,
            recent,
            new SellerPolicy(seller.CallerIds, seller.WrittenConsentExemptsRegistry, seller.HasTollFreeOptOutLine,
                seller.MailingAddress),
            restricted,
            lookup);

    private LookupPolicy PolicyOf(SellerOptions seller)
    {
        var o = lookupOptions.Value;
        return new LookupPolicy(seller.EffectiveBlockedLineTypes, o.NoDataAvailable == LookupOptions.Block,
            o.OnUnavailable == LookupOptions.Allow);
    }

    /// <summary>The Lookup facts: the cached answers, read on the same connection as the other facts, and one Lookup request
    /// for whatever the cache lacks.</summary>
    private async Task<LookupFacts> LookupAsync(
        CallIntent intent, SellerOptions seller, ConsentStatus relied, DateTimeOffset at, bool lookup, string? country,
        CancellationToken ct)
    {
        var o = lookupOptions.Value;
        var policy = PolicyOf(seller);
        if (!o.Enabled) return LookupFacts.NotConsulted(policy, "Twilio Lookup is off (VoiceProxy:Lookup:Enabled=false)");
        if (!lookup) return LookupFacts.NotConsulted(policy, "Twilio Lookup was skipped for this check (\"lookup\": false)");
        var cached = await lookups.CachedAsync(db, intent.To, ct);
        // The Reassigned Numbers Database covers US numbers only: a Canadian number is asked its line type alone.
        var (lastVerified, skipped) = country == Countries.Canada
            ? (null, "the Reassigned Numbers Database covers US numbers only")
            : await LastVerifiedAsync(intent, relied, at, o.ReassignedAfterDays, cached, ct);
        var (lineType, reassigned) = await lookups.AnswerAsync(intent.Seller, intent.To, lastVerified, cached);
        return new LookupFacts(policy, lineType, reassigned, null, skipped);
    }

    /// <summary>The date to ask the Reassigned Numbers Database about: the consent's, or a later call a human answered;
    /// none (with the reason) when no consent is relied on or it was given or verified too recently to ask. A fresh cached
    /// <c>no</c> since a date no later than the consent's answers for every later date too (the number was not disconnected
    /// since then), so its date is taken without reading the calls: the common case of a number called again. Not when a
    /// fresh <c>yes</c> is cached too.</summary>
    private async Task<(DateOnly? Date, string? Skipped)> LastVerifiedAsync(
        CallIntent intent, ConsentStatus relied, DateTimeOffset at, int afterDays, IReadOnlyList<LookupAnswer> cached,
        CancellationToken ct)
    {
        if (relied is not { State: ConsentState.Granted, Since: { } given })
            return (null, "no consent is relied on, so there is no date to ask about");
        var today = DateOnly.FromDateTime(at.UtcDateTime);
        string? Recent(DateTimeOffset t, string what) =>
            today.DayNumber - DateOnly.FromDateTime(t.UtcDateTime).DayNumber < afterDays
            ? $"{what} on {t:yyyy-MM-dd}, within {afterDays} days (VoiceProxy:Lookup:ReassignedAfterDays)"
            : null;
        if (Recent(given, "consent given") is { } consentRecent) return (null, consentRecent);
        var givenOn = DateOnly.FromDateTime(given.UtcDateTime);
        var reassigned = cached.Where(a => a.Field == LookupFields.Reassigned).ToList();
        if (reassigned.All(a => a.Answer != "yes")
            && reassigned.Where(a => a.Answer == "no" && a.LastVerifiedDate <= givenOn)
                .Max(a => a.LastVerifiedDate) is { } covered)
            return (covered, null);
        var answered = await LastAnswered.For(db)(db, intent.Seller, intent.To, given, at, ct);
        if (answered is { } verified && Recent(verified, "a human answered a completed call") is { } callRecent)
            return (null, callRecent);
        return (DateOnly.FromDateTime((answered ?? given).UtcDateTime), null);
    }

    /// <summary>Marketing calls consult the national list of the number's country (US, or Canada's DNCL) and the list of
    /// every candidate US state that keeps one.</summary>
    private List<RegistryFact> Registries(CallIntent intent, Location? location)
    {
        if (intent.Purpose != Purpose.Marketing) return [];
        var lists = (location?.States ?? [])
            .Where(gate.Settings.Rules.Data.RegistryStates.Contains)
            .Select(RegistryLists.State)
            .Prepend(RegistryLists.NationalOf(location?.Country ?? Countries.Us));
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
