using System.Globalization;
using VoiceProxy.Consent;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Compliance;

/// <summary>What every rule sees: the request, the facts, the instant and the rule settings.</summary>
public sealed record RuleContext(CallIntent Intent, CallFacts Facts, DateTimeOffset At, GateSettings Settings)
{
    public bool IsMarketing => Intent.Purpose == Purpose.Marketing;

    /// <summary>The country whose rules decide (the area code's); US when the location is unknown, whose rules then
    /// block for the unknown location.</summary>
    public string Country => Facts.Location?.Country ?? Countries.Us;
    public bool IsCanada => Country == Countries.Canada;

    /// <summary>The instant's local time in each candidate zone (none when the location is unknown).</summary>
    public List<(TimeZoneInfo Zone, DateTimeOffset Local)> LocalTimes(IEnumerable<TimeZoneInfo>? zones = null) =>
        (zones ?? Facts.Location?.Zones ?? []).Select(z => (z, TimeZoneInfo.ConvertTime(At, z))).ToList();
}

public sealed record GateSettings(
    int RegistryMaxAgeDays, int MarketingPer24Hours, int TransactionalMaxCalls, TimeSpan TransactionalWindow, RuleBook Rules)
{
    /// <summary>The cap on calls of a purpose at an instant: the setting, lowered (and its window lengthened) by the caps the
    /// rule book has in force anywhere in the country then (VoiceProxy applies the strictest state cap to marketing calls
    /// everywhere in the US; the rule book has no Canadian cap).
    /// </summary>
    public (int Max, TimeSpan Window, CapRule[] Laws) CapFor(Purpose purpose, DateTimeOffset at, string country = Countries.Us)
    {
        if (purpose != Purpose.Marketing) return (TransactionalMaxCalls, TransactionalWindow, []);
        var laws = Rules.InForceAt(at).Caps
            .Where(c => c.AppliesToPurpose(purpose) && c.Jurisdiction.StartsWith(country, StringComparison.Ordinal)).ToArray();
        return (laws.Select(c => c.MaxCalls).Append(MarketingPer24Hours).Min(),
            TimeSpan.FromHours(laws.Select(c => c.WindowHours).Append(24).Max()), laws);
    }
}

/// <summary>One rule: a stable id, a citation, and one or more checks for a call.</summary>
public interface IRule
{
    string Id { get; }
    /// <summary>A rule whose block lifts by waiting; it takes part in nextAllowedAt.</summary>
    bool DependsOnTime => false;
    IEnumerable<Check> Evaluate(RuleContext c);
}

/// <summary>Consent per purpose. In the US a marketing call needs express written consent; in Canada (<paramref
/// name="canada"/>) an automated solicitation needs express consent (UTR Part IV), which may be oral, and VoiceProxy still
/// asks recorded consent of every other call, as it does in the US.</summary>
internal sealed class ConsentRule(bool canada = false) : IRule
{
    public string Id => "consent";
    private string Citation => canada ? CrtcCitations.AdadConsent : "47 CFR 64.1200(a)(1)-(3); 16 CFR 310.4(b)(1)(v)";

    public IEnumerable<Check> Evaluate(RuleContext c)
    {
        var (own, other) = c.IsMarketing
            ? (c.Facts.Marketing, c.Facts.Transactional)
            : (c.Facts.Transactional, c.Facts.Marketing);
        var scope = c.IsMarketing ? "marketing" : "transactional";
        if (own.State == ConsentState.Revoked)
            yield return Check.Blocked(Id, Citation, ReasonCodes.ConsentRevoked,
                $"The customer revoked {scope} consent on {own.Since:O}.");
        else if (own.State == ConsentState.Granted && (!c.IsMarketing || own.IsWritten || canada))
            yield return new(Id, Outcome.Pass, Citation, $"{own.Kind} {scope} consent since {own.Since:O}");
        else if (own.State == ConsentState.Granted)
            yield return Check.Blocked(Id, Citation, ReasonCodes.ConsentInsufficient,
                $"Marketing calls need express written consent; only {own.Kind} consent is recorded.");
        else if (other.State == ConsentState.Granted)
            yield return Check.Blocked(Id, Citation, ReasonCodes.ConsentInsufficient,
                $"Consent is recorded only for {(c.IsMarketing ? "transactional" : "marketing")} calls; consent is per purpose.");
        else
            yield return Check.Blocked(Id, Citation, ReasonCodes.ConsentMissing,
                $"No {scope} consent is recorded for this number and seller.");
    }
}

internal sealed class InternalDncRule : IRule
{
    public string Id => "dnc_internal";
    private const string UsCitation = "47 CFR 64.1200(d)(3), (d)(6)";

    public IEnumerable<Check> Evaluate(RuleContext c)
    {
        var citation = c.IsCanada ? CrtcCitations.InternalList : UsCitation;
        yield return c.Facts.InternalDncSince is { } since
            ? Check.Blocked(Id, citation, ReasonCodes.DncInternal,
                $"The number is on the seller's do-not-call list since {since:O}.")
            : new(Id, Outcome.Pass, citation, "not on the seller's list");
    }
}

/// <summary>Depends on time: a copy that is fresh now goes stale, so nextAllowedAt never promises an instant past its age
/// limit.</summary>
internal sealed class RegistryFreshnessRule : IRule
{
    public string Id => "registry_freshness";
    public bool DependsOnTime => true;
    private const string UsCitation = "47 CFR 64.1200(c)(2)(i)(D); 16 CFR 310.4(b)(3)(iv)";

    public IEnumerable<Check> Evaluate(RuleContext c)
    {
        var citation = c.IsCanada ? CrtcCitations.DnclFreshness : UsCitation;
        if (!c.IsMarketing)
        {
            yield return new(Id, Outcome.NotApplicable, citation, "registries apply to marketing calls only");
            yield break;
        }
        var today = DateOnly.FromDateTime(c.At.UtcDateTime);
        var national = RegistryLists.NationalOf(c.Country);
        var consulted = c.Facts.Registries.Any(r => r.List == national)
            ? c.Facts.Registries
            : c.Facts.Registries.Prepend(new RegistryFact(national, false, null));
        var bad = consulted
            .Where(r => r.AsOf is null
                || today.DayNumber - r.AsOf.Value.DayNumber is var age && (age > c.Settings.RegistryMaxAgeDays || age < 0))
            .Select(r => r.AsOf is null ? $"{r.List}: no copy loaded"
                : r.AsOf > today ? $"{r.List}: copy dated {r.AsOf:yyyy-MM-dd}, in the future, so its age cannot be trusted"
                : $"{r.List}: copy of {r.AsOf:yyyy-MM-dd} is {today.DayNumber - r.AsOf.Value.DayNumber} days old")
            .ToList();
        var detail = string.Join("; ", c.Facts.Registries.Select(AsOf));
        yield return bad.Count > 0
            ? Check.Blocked(Id, citation, ReasonCodes.RegistryStale,
                $"A registry copy older than {c.Settings.RegistryMaxAgeDays} days, or none, may not be used: " +
                $"{string.Join("; ", bad)}.", detail)
            : new(Id, Outcome.Pass, citation, detail);
    }

    /// <summary>"national as of 2026-07-12", or "... as of none" when no copy is loaded.</summary>
    internal static string AsOf(RegistryFact r) =>
        $"{r.List} as of {r.AsOf?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "none"}";
}

/// <summary>The national registry, or the state lists: marketing only; lifted by express written consent unless the seller
/// refuses the exemption.</summary>
internal sealed class RegistryRule(bool national) : IRule
{
    public string Id => national ? "dnc_national" : "dnc_state";
    private string Citation => national
        ? "47 CFR 64.1200(c)(2); 16 CFR 310.4(b)(1)(iii)(B)"
        : "state do-not-call statutes (CO, FL, IN, LA, MA, MO, MS, OK, PA, TN, TX, WY)";

    public IEnumerable<Check> Evaluate(RuleContext c)
    {
        var lists = c.Facts.Registries.Where(r => r.List == "national" == national).ToList();
        if (!c.IsMarketing || lists.Count == 0)
        {
            yield return new(Id, Outcome.NotApplicable, Citation,
                c.IsMarketing ? "no state list covers the candidate states" : "marketing calls only");
            yield break;
        }
        var listed = lists.Where(r => r.Listed).ToList();
        var asOf = string.Join(", ", lists.Select(RegistryFreshnessRule.AsOf));
        if (listed.Count == 0)
            yield return new(Id, Outcome.Pass, Citation, $"not listed ({asOf})");
        else if (c.Facts.Marketing.IsWritten && c.Facts.Seller.WrittenConsentExemptsRegistry)
            yield return new(Id, Outcome.Exempt, Citation,
                $"listed on {string.Join(", ", listed.Select(l => l.List))} ({asOf}); " +
                $"express written consent since {c.Facts.Marketing.Since:O}");
        else
            yield return Check.Blocked(Id, Citation, national ? ReasonCodes.DncNational : ReasonCodes.DncState,
                $"The number is on the {string.Join(", ", listed.Select(l => l.List))} do-not-call list" +
                (c.Facts.Marketing.IsWritten
                    ? " and the seller does not accept written consent as an exemption."
                    : " and no express written consent exempts it."),
                $"listed ({asOf})");
    }
}

internal sealed class LocationRule : IRule
{
    public string Id => "location";
    private const string UsCitation = "47 CFR 64.1200(c)(1) (called party's location)";

    public IEnumerable<Check> Evaluate(RuleContext c)
    {
        var citation = c.IsCanada ? CrtcCitations.CalledPartyTime : UsCitation;
        if (c.Facts.Location is { SpansCountries: true } spans)
        {
            yield return Check.Blocked(Id, citation, ReasonCodes.UnknownLocation,
                $"Area code {Infrastructure.Phone.Npa(c.Intent.To)} is in {spans.Country}, but the customer's state " +
                $"{string.Join("/", spans.States.Where(s => Countries.Of(s) != spans.Country))} is in another country: " +
                "which country's rules govern the call is unclear.");
            yield break;
        }
        yield return c.Facts.Location is { } l
            ? new(Id, Outcome.Pass, citation,
                $"{l.Source}: states {string.Join("/", l.States)}; zones {string.Join("/", l.Zones.Select(z => z.Id))}")
            : Check.Blocked(Id, citation, ReasonCodes.UnknownLocation,
                $"Area code {Infrastructure.Phone.Npa(c.Intent.To)} is not in the reviewed area-code table, " +
                "so the called party's time zone is unknown.");
    }
}

/// <summary>Federal 8:00-21:00 in every candidate time zone, for every call.</summary>
internal sealed class FederalHoursRule : IRule
{
    public string Id => "calling_hours";
    public bool DependsOnTime => true;
    private const string Citation = "47 CFR 64.1200(c)(1); 16 CFR 310.4(c)";
    private static readonly HoursWindow Window = new(new(8, 0), new(21, 0));

    public IEnumerable<Check> Evaluate(RuleContext c)
    {
        if (c.Facts.Location is not { } l)
        {
            yield return new(Id, Outcome.NotApplicable, Citation, "location unknown");
            yield break;
        }
        var times = l.Zones.Select(z => (Zone: z, Local: TimeZoneInfo.ConvertTime(c.At, z))).ToList();
        var detail = string.Join("; ", times.Select(t => $"{t.Local:HH:mm} {t.Zone.Id}"));
        var outside = times.Where(t => !Window.Contains(TimeOnly.FromDateTime(t.Local.DateTime))).ToList();
        yield return outside.Count == 0
            ? new(Id, Outcome.Pass, Citation, detail)
            : Check.Blocked(Id, Citation, ReasonCodes.OutsideCallingHours,
                $"Calls are allowed {Window} local time; " +
                $"it is {string.Join(" and ", outside.Select(t => $"{t.Local:HH:mm} in {t.Zone.Id}"))}.", detail);
    }
}

/// <summary>State windows in force on the local date, each evaluated in every candidate time zone (the stricter reading).
/// </summary>
internal sealed class StateHoursRule : IRule
{
    public string Id => "state_calling_hours";
    public bool DependsOnTime => true;

    public IEnumerable<Check> Evaluate(RuleContext c)
    {
        var local = c.LocalTimes();
        var applicable = c.Facts.Location is { } l
            ? c.Settings.Rules.Data.CallingHours
                .Where(h => h.Jurisdiction.Length > 2
                    && l.Jurisdictions.Contains(h.Jurisdiction) && h.AppliesToPurpose(c.Intent.Purpose)
                    && local.Any(t => h.InForceOn(DateOnly.FromDateTime(t.Local.DateTime))))
                .ToList()
            : [];
        if (applicable.Count == 0)
        {
            yield return new(Id, Outcome.NotApplicable, "state law", "no state window applies to this call");
            yield break;
        }
        foreach (var rule in applicable)
        {
            var times = rule.TimeZone is { } fixedZone ? c.LocalTimes([TimeZones.Find(fixedZone)]) : local;
            var outside = times
                .Where(t => rule.InForceOn(DateOnly.FromDateTime(t.Local.DateTime))
                    && rule.WindowOn(t.Local.DayOfWeek)?.Contains(TimeOnly.FromDateTime(t.Local.DateTime)) != true)
                .ToList();
            var detail = rule.ToString();
            yield return outside.Count == 0
                ? new(Id, Outcome.Pass, rule.Citation, detail)
                : Check.Blocked(Id, rule.Citation, ReasonCodes.OutsideCallingHours,
                    $"{rule.Jurisdiction} allows these calls " +
                    (rule.WindowOn(outside[0].Local.DayOfWeek) is { } w ? $"{w}" : $"on no {outside[0].Local:dddd}") +
                    $"; it is {string.Join(" and ", outside.Select(t => $"{t.Local:ddd HH:mm} in {t.Zone.Id}"))}.", detail);
        }
    }
}

/// <summary>State rules on automatic dialing-announcing devices that the compliance frame cannot meet: calls into such a
/// state are blocked, naming what the state requires.</summary>
internal sealed class StateAdadRule : IRule
{
    public string Id => "state_adad";

    public IEnumerable<Check> Evaluate(RuleContext c)
    {
        var local = c.LocalTimes();
        var applicable = c.Facts.Location is { } l
            ? c.Settings.Rules.Data.AdadRules
                .Where(r => l.Jurisdictions.Contains(r.Jurisdiction) && r.AppliesToPurpose(c.Intent.Purpose)
                    && local.Any(t => r.InForceOn(DateOnly.FromDateTime(t.Local.DateTime))))
                .ToList()
            : [];
        if (applicable.Count == 0)
            yield return new(Id, Outcome.NotApplicable, "state law",
                "no state rule on automatic dialing-announcing devices applies");
        foreach (var rule in applicable)
            yield return rule.FrameSatisfies
                ? new(Id, Outcome.Pass, rule.Citation, $"{rule.Jurisdiction}: {rule.Requires} (met by the compliance frame)")
                : Check.Blocked(Id, rule.Citation, ReasonCodes.AdadNotAllowed,
                    $"{rule.Jurisdiction} requires of an automated call: {rule.Requires}; VoiceProxy's calls cannot meet it.",
                    $"{rule.Jurisdiction}: {rule.Requires}");
    }
}

/// <summary>Days on which a state bans the call, in every candidate zone: weekdays (Sunday), legal holidays and dates
/// restricted at run time (emergencies, proclaimed holidays). Only the entries in force on the local date count. One check
/// per state.</summary>
internal sealed class RestrictedDayRule : IRule
{
    public string Id => "restricted_day";
    public bool DependsOnTime => true;

    public IEnumerable<Check> Evaluate(RuleContext c)
    {
        var book = c.Settings.Rules.Data;
        var purpose = c.Intent.Purpose;
        var local = c.LocalTimes();
        bool Applies(RuleEntry r, string jurisdiction) => r.Jurisdiction == jurisdiction && r.AppliesToPurpose(purpose);
        var applicable = c.Facts.Location is not { } location ? [] : location.States
            .Select(state => (State: state, Jurisdiction: RuleBook.JurisdictionOf(state)))
            .Select(s => (
                s.State,
                Days: book.DayBans.Where(r => Applies(r, s.Jurisdiction)).ToList(),
                Holidays: book.HolidayBans.Where(r => Applies(r, s.Jurisdiction)).ToList(),
                Dates: c.Facts.RestrictedDates.Where(r => r.State == s.State && r.AppliesTo(purpose)).ToList()))
            .Where(x => x.Days.Count + x.Holidays.Count + x.Dates.Count > 0)
            .ToList();
        if (applicable.Count == 0)
        {
            yield return new(Id, Outcome.NotApplicable, "state law", "no state day restriction applies to this call");
            yield break;
        }
        foreach (var (state, days, holidays, dates) in applicable)
        {
            var citation = string.Join("; ", days.Select(d => d.Citation).Concat(holidays.Select(h => h.Citation))
                .Concat(dates.Select(d => d.Citation)).Distinct());
            var detail = $"{state}: none on " + string.Join(" or ", days.Select(d => string.Join(", ", d.Days) + "s")
                .Concat(holidays.Select(h => $"state legal holidays (known {h.CoveredFrom:yyyy-MM-dd} to " +
                    $"{h.CoveredThrough:yyyy-MM-dd})"))
                .Concat(dates.Select(d => $"{d.From:yyyy-MM-dd} to {d.To:yyyy-MM-dd} (restricted date {d.Id})")));
            var why = local
                .Select(t => Ban(state, days, holidays, dates, t.Local) is { } ban ? $"{ban} in {t.Zone.Id}" : null)
                .OfType<string>().FirstOrDefault();
            yield return why is null
                ? new(Id, Outcome.Pass, citation, detail)
                : Check.Blocked(Id, citation, ReasonCodes.RestrictedDay, $"{state} bans these calls today: {why}.", detail);
        }
    }

    private static string? Ban(string state, List<DayBanRule> days, List<HolidayBanRule> holidays,
        List<RestrictedDateFact> dates, DateTimeOffset local)
    {
        var date = DateOnly.FromDateTime(local.DateTime);
        if (days.Any(d => d.InForceOn(date) && d.Days.Contains(local.DayOfWeek))) return $"it is {local:dddd}";
        foreach (var h in holidays.Where(h => h.InForceOn(date)))
        {
            if (!h.Covers(date))
                return $"{state}'s legal holidays are known only from {h.CoveredFrom:yyyy-MM-dd} to " +
                    $"{h.CoveredThrough:yyyy-MM-dd} (extend the rule book)";
            if (h.Dates.Contains(date)) return $"{date:yyyy-MM-dd} is a state legal holiday";
        }
        return dates.FirstOrDefault(d => d.Covers(date)) is { } r
            ? $"{date:yyyy-MM-dd} is a restricted date ({r.Citation})"
            : null;
    }
}

internal sealed class FrequencyRule : IRule
{
    public string Id => "frequency_cap";
    public bool DependsOnTime => true;

    public IEnumerable<Check> Evaluate(RuleContext c)
    {
        var (max, window, laws) = c.Settings.CapFor(c.Intent.Purpose, c.At, c.Country);
        var citation = !c.IsMarketing
            ? "VoiceProxy policy (VoiceProxy:Caps:TransactionalMaxCalls); FCC 20-186 caps only exempt calls made without consent"
            : laws.Length > 0 ? string.Join("; ", laws.Select(l => l.Citation)) + " (applied everywhere)"
            : "VoiceProxy policy (VoiceProxy:Caps:MarketingPer24Hours); no state cap was in force";
        var count = InWindow(c.Facts.RecentCalls, c.At, window).Count();
        var kind = c.IsMarketing ? "marketing" : "transactional";
        var detail = $"{count} of {max} {kind} calls in the last {window.TotalHours:0} hours";
        yield return count < max
            ? new(Id, Outcome.Pass, citation, detail)
            : Check.Blocked(Id, citation, ReasonCodes.FrequencyCap,
                $"This seller already placed {count} {kind} calls to this number in the last {window.TotalHours:0} hours " +
                $"(limit {max}).", detail);
    }

    public static IEnumerable<DateTimeOffset> InWindow(IEnumerable<DateTimeOffset> calls, DateTimeOffset at, TimeSpan window) =>
        calls.Where(t => t > at - window && t <= at);
}

/// <summary>A marketing message must give a toll-free number that reaches an automated opt-out line (for the answering
/// machine, and for the person who hears it): without one the call cannot say what the rule requires, so it is not made.
/// </summary>
internal sealed class OptOutLineRule : IRule
{
    public string Id => "opt_out_line";
    private const string Citation = "47 CFR 64.1200(b)(3); 16 CFR 310.4(b)(1)(v)(B)(ii)";

    public IEnumerable<Check> Evaluate(RuleContext c)
    {
        yield return !c.IsMarketing
            ? new(Id, Outcome.NotApplicable, Citation, "marketing calls only")
            : c.Facts.Seller.TollFreeOptOutLine
                ? new(Id, Outcome.Pass, Citation, "the seller has a toll-free automated opt-out line")
                : Check.Blocked(Id, Citation, ReasonCodes.OptOutLineMissing,
                    "A marketing call must give a toll-free number for the seller's automated opt-out line; " +
                    "the seller has no toll-free OptOutNumber configured.");
    }
}

internal sealed class CallerIdRule : IRule
{
    public string Id => "caller_id";
    private const string UsCitation = "47 CFR 64.1601(e)";

    public IEnumerable<Check> Evaluate(RuleContext c)
    {
        var citation = c.IsCanada ? CrtcCitations.CallerId : UsCitation;
        yield return c.Facts.Seller.CallerIds.Contains(c.Intent.From)
            ? new(Id, Outcome.Pass, citation, "the seller's own number")
            : Check.Blocked(Id, citation, ReasonCodes.CallerIdNotAllowed,
                "The 'from' number is not one of the seller's caller IDs.");
    }
}
