using System.Globalization;
using VoiceProxy.Consent;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Compliance;

/// <summary>Where each Canadian check comes from: the CRTC's Unsolicited Telecommunications Rules (UTR), established in
/// Telecom Decision CRTC 2007-48 and amended in Telecom Decision CRTC 2008-6, in force since 2008-09-30, and the
/// Telecommunications Act. Section numbers within a Part are not given where the amalgamated text was not read in full
/// (docs/compliance-rules.md, "Canada").</summary>
internal static class CrtcCitations
{
    public const string AdadConsent =
        "CRTC Unsolicited Telecommunications Rules Part IV (ADAD Rules): solicitation only with the consumer's express consent";
    public const string AdadIdentification =
        "CRTC Unsolicited Telecommunications Rules Part IV (ADAD Rules): the message begins by identifying the person on " +
        "whose behalf the call is made, with a mailing address and a local or toll-free number";
    public const string InternalList =
        "CRTC Unsolicited Telecommunications Rules Part III (Telemarketing Rules): the telemarketer's own do-not-call list";
    public const string Dncl =
        "CRTC Unsolicited Telecommunications Rules Part II (National DNCL Rules); Telecommunications Act s. 41.7 (exemptions)";
    public const string DnclFreshness =
        "CRTC Unsolicited Telecommunications Rules Part II (National DNCL Rules): a version of the list at most 31 days old";
    public const string CalledPartyTime =
        "CRTC Unsolicited Telecommunications Rules Part III (hours at the called consumer's location)";
    public const string CallerId =
        "CRTC Unsolicited Telecommunications Rules Parts III-IV (the originating number displayed)";
}

/// <summary>The Canadian calling window from the rule book (jurisdiction <c>CA</c>), in every candidate zone. The rule book
/// must have one in force on the local date: without it the call is blocked (fail closed).</summary>
internal sealed class CanadaHoursRule : IRule
{
    public string Id => "calling_hours";
    public bool DependsOnTime => true;

    public IEnumerable<Check> Evaluate(RuleContext c)
    {
        if (c.Facts.Location is null)
        {
            yield return new(Id, Outcome.NotApplicable, CrtcCitations.CalledPartyTime, "location unknown");
            yield break;
        }
        var windows = c.Settings.Rules.Data.CallingHours
            .Where(h => h.Jurisdiction == Countries.Canada && h.AppliesToPurpose(c.Intent.Purpose)).ToList();
        var times = c.LocalTimes();
        var detail = string.Join("; ", times.Select(t => $"{t.Local:ddd HH:mm} {t.Zone.Id}"));
        var problems = new List<string>();
        var citations = new List<string>();
        foreach (var (zone, local) in times)
        {
            var date = DateOnly.FromDateTime(local.DateTime);
            var rule = windows.FirstOrDefault(w => w.InForceOn(date));
            if (rule is null)
            {
                problems.Add($"the rule book has no Canadian calling window in force on {date:yyyy-MM-dd} ({zone.Id})");
                continue;
            }
            citations.Add(rule.Citation);
            var window = rule.WindowOn(local.DayOfWeek);
            if (window?.Contains(TimeOnly.FromDateTime(local.DateTime)) != true)
                problems.Add($"it is {local:ddd HH:mm} in {zone.Id}, where the window is " +
                    (window is null ? "closed all day" : window.ToString()));
        }
        var citation = citations.Count > 0 ? string.Join("; ", citations.Distinct()) : CrtcCitations.CalledPartyTime;
        yield return problems.Count == 0
            ? new(Id, Outcome.Pass, citation, detail)
            : Check.Blocked(Id, citation, ReasonCodes.OutsideCallingHours,
                "Calls to Canada are allowed 09:00-21:30 on weekdays and 10:00-18:00 on Saturdays and Sundays, local time; " +
                string.Join("; ", problems) + ".", detail);
    }
}

/// <summary>Canada's National DNCL, for telemarketing calls: a listed number is called only with the consumer's express
/// consent. The other exemptions of s. 41.7 (charities, newspapers, parties, an existing business relationship) are not
/// recorded facts in VoiceProxy: an existing business relationship would lift the DNCL but not Part IV, under which an
/// automated solicitation needs express consent whatever the relationship, so none is ever assumed.</summary>
internal sealed class CanadaDnclRule : IRule
{
    public string Id => "dnc_national";

    public IEnumerable<Check> Evaluate(RuleContext c)
    {
        if (!c.IsMarketing)
        {
            yield return new(Id, Outcome.NotApplicable, CrtcCitations.Dncl, "telemarketing calls only");
            yield break;
        }
        if (c.Facts.Registries.FirstOrDefault(r => r.List == RegistryLists.NationalCanada) is not { } dncl)
        {
            yield return Check.Blocked(Id, CrtcCitations.Dncl, ReasonCodes.RegistryStale,
                "The National DNCL was not consulted for this call.");
            yield break;
        }
        var asOf = RegistryFreshnessRule.AsOf(dncl);
        var consent = c.Facts.Marketing;
        if (!dncl.Listed)
            yield return new(Id, Outcome.Pass, CrtcCitations.Dncl, $"not listed ({asOf})");
        else if (consent.State == ConsentState.Granted && c.Facts.Seller.WrittenConsentExemptsRegistry)
            yield return new(Id, Outcome.Exempt, CrtcCitations.Dncl,
                $"listed on {dncl.List} ({asOf}); express consent ({consent.Kind}) since " +
                $"{consent.Since?.ToString("O", CultureInfo.InvariantCulture)}");
        else
            yield return Check.Blocked(Id, CrtcCitations.Dncl, ReasonCodes.DncNational,
                "The number is on Canada's National Do Not Call List" +
                (consent.State == ConsentState.Granted
                    ? " and the seller does not accept consent as an exemption."
                    : " and no express consent exempts it."),
                $"listed ({asOf})");
    }
}

/// <summary>UTR Part IV: every prerecorded call opens by naming on whose behalf it is made and gives a mailing address and
/// a number at which that person can be reached. The frame says the seller's name, its callback number and its mailing
/// address; a seller without a mailing address cannot meet the rule, so its calls to Canada are not made.</summary>
internal sealed class CanadaAdadRule : IRule
{
    public string Id => "adad_identification";

    public IEnumerable<Check> Evaluate(RuleContext c)
    {
        yield return string.IsNullOrWhiteSpace(c.Facts.Seller.MailingAddress)
            ? Check.Blocked(Id, CrtcCitations.AdadIdentification, ReasonCodes.MailingAddressMissing,
                "A prerecorded call to a Canadian number must give a mailing address at which the seller can be reached; " +
                "the seller has no MailingAddress configured.")
            : new(Id, Outcome.Pass, CrtcCitations.AdadIdentification,
                "the frame opens with the seller's name, its callback number and its mailing address");
    }
}

/// <summary>A rule of one country that has no counterpart in the other: listed, never blocking, with the reason.</summary>
internal sealed class NotApplicableRule(string id, string citation, string why) : IRule
{
    public string Id => id;
    public IEnumerable<Check> Evaluate(RuleContext c) => [new(Id, Outcome.NotApplicable, citation, why)];
}
