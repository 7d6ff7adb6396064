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
        var transactional = ConsentLedger.Current(consents, Purposes.Transactional);
        var marketing = ConsentLedger.Current(consents, Purposes.Marketing);
        var relied = intent.Purpose == Purpose.Marketing ? marketing : transactional;
        return new CallFacts(
            transactional,
            marketing,
            dnc?.At,
            Registries(intent, location),
            location,
            recent,
            new SellerPolicy(seller.CallerIds, seller.WrittenConsentExemptsRegistry,
                seller.OptOutNumber is { } line && Phone.TypeOf(line) == PhoneNumbers.PhoneNumberType.TOLL_FREE),
            restricted,
            await LookupAsync(intent, seller, relied, at, lookup, ct));
    }

    /// <summary>The Lookup facts: the cached answers, read on the same connection as the other facts, and one Lookup request
    /// for whatever the cache lacks.</summary>
    private async Task<LookupFacts> LookupAsync(
        CallIntent intent, SellerOptions seller, ConsentStatus relied, DateTimeOffset at, bool lookup, CancellationToken ct)
    {
        var o = lookupOptions.Value;
        var policy = new LookupPolicy(seller.EffectiveBlockedLineTypes, o.NoDataAvailable == LookupOptions.Block,
            o.OnUnavailable == LookupOptions.Allow);
        if (!o.Enabled) return LookupFacts.NotConsulted(policy, "Twilio Lookup is off (VoiceProxy:Lookup:Enabled=false)");
        if (!lookup) return LookupFacts.NotConsulted(policy, "Twilio Lookup was skipped for this check (\"lookup\": false)");
        var cached = await lookups.CachedAsync(db, intent.To, ct);
        var (lastVerified, skipped) = await LastVerifiedAsync(intent, relied, at, o.ReassignedAfterDays, ct);
        var (lineType, reassigned) = await lookups.AnswerAsync(intent.Seller, intent.To, lastVerified, cached);
        return new LookupFacts(policy, lineType, reassigned, null, skipped);
    }

    /// <summary>The date to ask the Reassigned Numbers Database about: the consent's, or a later call a human answered;
    /// none (with the reason) when no consent is relied on or it was given or verified too recently to ask.</summary>
    private async Task<(DateOnly? Date, string? Skipped)> LastVerifiedAsync(
        CallIntent intent, ConsentStatus relied, DateTimeOffset at, int afterDays, CancellationToken ct)
    {
        if (relied is not { State: ConsentState.Granted, Since: { } given })
            return (null, "no consent is relied on, so there is no date to ask about");
        var today = DateOnly.FromDateTime(at.UtcDateTime);
        string? Recent(DateTimeOffset t, string what) =>
            today.DayNumber - DateOnly.FromDateTime(t.UtcDateTime).DayNumber < afterDays
            ? $"{what} on {t:yyyy-MM-dd}, within {afterDays} days (VoiceProxy:Lookup:ReassignedAfterDays)"
            : null;
        if (Recent(given, "consent given") is { } consentRecent) return (null, consentRecent);
        var answered = await LastAnswered.For(db)(db, intent.Seller, intent.To, given, at, ct);
        if (answered is { } verified && Recent(verified, "a human answered a completed call") is { } callRecent)
            return (null, callRecent);
        return (DateOnly.FromDateTime((answered ?? given).UtcDateTime), null);
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
