namespace VoiceProxy.Compliance;

/// <summary>The decision: a pure function of the request, the facts and the instant.</summary>
public sealed class Gate(GateSettings settings)
{
    /// <summary>The rules for a US number (or one whose area code is unknown, which the location rule blocks).</summary>
    private static readonly IRule[] UsRules =
    [
        new ConsentRule(), new InternalDncRule(), new RegistryFreshnessRule(), new RegistryRule(national: true),
        new RegistryRule(national: false), new LocationRule(), new FederalHoursRule(), new StateHoursRule(),
        new RestrictedDayRule(), new StateAdadRule(), new FrequencyRule(), new CallerIdRule(), new OptOutLineRule(),
        new ReassignedNumberRule(), new LineTypeRule(),
    ];

    /// <summary>The rules for a Canadian number: the CRTC's in place of the federal US ones (no TCPA window, no US
    /// registry, no toll-free opt-out line, no US Reassigned Numbers Database).</summary>
    private static readonly IRule[] CanadaRules =
    [
        new ConsentRule(canada: true), new InternalDncRule(), new RegistryFreshnessRule(), new CanadaDnclRule(),
        new LocationRule(), new CanadaHoursRule(), new StateHoursRule(), new RestrictedDayRule(), new StateAdadRule(),
        new CanadaAdadRule(), new FrequencyRule(), new CallerIdRule(),
        new NotApplicableRule("reassigned_number", "47 CFR 64.1200(m)",
            "the Reassigned Numbers Database covers US numbers only; the number is Canadian"),
        new LineTypeRule(),
    ];

    private static IRule[] RulesFor(RuleContext c) => c.IsCanada ? CanadaRules : UsRules;

    /// <summary>The rules of the hour and the day, which are checked again when the call is answered.</summary>
    private static IEnumerable<IRule> AnswerTimeRules(RuleContext c) =>
        RulesFor(c).Where(r => r is FederalHoursRule or CanadaHoursRule or StateHoursRule or RestrictedDayRule);

    /// <summary>How far ahead nextAllowedAt looks; past that, waiting is not the answer.</summary>
    private const int LookAheadDays = 8;

    public GateSettings Settings => settings;

    /// <summary>The decision; without <paramref name="findNextAllowedAt"/> (a replay, which compares verdicts) nextAllowedAt is
    /// left null, since finding it evaluates the time rules at many instants.</summary>
    public Decision Decide(CallIntent intent, CallFacts facts, DateTimeOffset at, bool findNextAllowedAt = true)
    {
        var context = new RuleContext(intent, facts, at, settings);
        var results = RulesFor(context).Select(r => (Rule: r, Checks: r.Evaluate(context).ToList())).ToList();
        var checks = results.SelectMany(r => r.Checks).ToList();
        var reasons = checks.Where(c => c.Outcome == Outcome.Block).Select(c => new Reason(c.Code!, c.Rule, c.Message!)).ToList();
        var onlyTime = reasons.Count > 0
            && results.All(r => r.Rule.DependsOnTime || r.Checks.All(c => c.Outcome != Outcome.Block));
        var lists = facts.Registries.Select(r => new ListConsulted(r.List, r.AsOf)).ToList();
        var next = onlyTime && findNextAllowedAt ? NextAllowedAt(context) : null;
        return new Decision(reasons.Count == 0, at, checks, reasons, next, lists, settings.Rules.Version,
            facts.Location?.Country);
    }

    /// <summary>The hours and day rules alone (national and state windows, restricted days with the dates in the facts), for
    /// a call being answered at <paramref name="at"/>: what blocks it now, empty when it may go on. Consent and lists are
    /// checked again by the caller; caps and registry age were settled when the call was placed.</summary>
    public IReadOnlyList<Reason> TimeBlocks(CallIntent intent, CallFacts facts, DateTimeOffset at)
    {
        var context = new RuleContext(intent, facts, at, settings);
        return AnswerTimeRules(context).SelectMany(r => r.Evaluate(context))
            .Where(c => c.Outcome == Outcome.Block)
            .Select(c => new Reason(c.Code!, c.Rule, c.Message!))
            .ToList();
    }

    /// <summary>The earliest instant after now at which every time rule passes. Such an instant is always one at
    /// which some time rule stops blocking: a window opening in a candidate zone, or a capped call leaving the window.</summary>
    private static DateTimeOffset? NextAllowedAt(RuleContext c)
    {
        var timeRules = RulesFor(c).Where(r => r.DependsOnTime).ToArray();
        return Candidates(c)
            .Where(t => t > c.At)
            .Order()
            .Cast<DateTimeOffset?>()
            .FirstOrDefault(t => timeRules.All(r => r.Evaluate(c with { At = t!.Value }).All(x => x.Outcome != Outcome.Block)));
    }

    private static IEnumerable<DateTimeOffset> Candidates(RuleContext c)
    {
        var (_, window, _) = c.Settings.CapFor(c.Intent.Purpose, c.At, c.Country);
        foreach (var call in FrequencyRule.InWindow(c.Facts.RecentCalls, c.At, window))
            yield return call + window;

        var openings = c.Settings.Rules.Data.CallingHours
            .SelectMany(h => (h.Days?.Values.OfType<HoursWindow>().Select(w => w.Start) ?? []).Append(h.Start))
            .Append(new TimeOnly(8, 0))
            .Distinct()
            .ToList();
        // Windows a statute reads in a fixed zone open at their own instants.
        var fixedZones = c.Settings.Rules.Data.CallingHours.Select(h => h.TimeZone).OfType<string>().Select(TimeZones.Find);
        foreach (var zone in (c.Facts.Location?.Zones ?? []).Concat(fixedZones).Distinct())
        {
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(c.At, zone).DateTime);
            for (var d = 0; d <= LookAheadDays; d++)
                foreach (var opening in openings)
                {
                    var local = today.AddDays(d).ToDateTime(opening);
                    if (zone.IsInvalidTime(local)) continue;
                    yield return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
                }
        }
    }
}
