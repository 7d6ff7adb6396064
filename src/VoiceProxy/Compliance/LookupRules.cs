using System.Globalization;
using VoiceProxy.Lookup;

namespace VoiceProxy.Compliance;

/// <summary>What Twilio Lookup said about the number (from the cache or asked now), with the policy that judges it. A null
/// answer was not asked for: <see cref="Skipped"/> (Lookup not consulted at all) or <see cref="ReassignedSkipped"/> says
/// why.</summary>
public sealed record LookupFacts(
    LookupPolicy Policy, LookupAnswered? LineType, LookupAnswered? Reassigned, string? Skipped, string? ReassignedSkipped)
{
    public static LookupFacts NotConsulted(LookupPolicy policy, string why) => new(policy, null, null, why, why);
}

/// <summary>The seller's line types never called, and the operator's choices for no data and for Lookup being down.</summary>
public sealed record LookupPolicy(IReadOnlyList<string> BlockedLineTypes, bool BlockNoData, bool AllowUnavailable);

internal static class LookupChecks
{
    public const string NotConsulted = "Twilio Lookup was not consulted";

    public static string Source(LookupAnswered a) => a.Cached
        ? $"cached answer of {a.AskedAt.ToString("O", CultureInfo.InvariantCulture)}"
        : $"asked {a.AskedAt.ToString("O", CultureInfo.InvariantCulture)}";

    /// <summary>Lookup could not answer: blocked (fail closed) unless the operator chose to allow it.</summary>
    public static Check Unavailable(string rule, string citation, LookupAnswered a, LookupPolicy policy) =>
        policy.AllowUnavailable
        ? new(rule, Outcome.Pass, citation,
            $"Twilio Lookup could not answer ({a.Answer.Detail}); allowed by VoiceProxy:Lookup:OnUnavailable=allow")
        : Check.Blocked(rule, citation, ReasonCodes.LookupUnavailable,
            $"Twilio Lookup could not answer ({a.Answer.Detail}), so the call fails closed.");
}

/// <summary>The seller never calls the line types it lists (toll-free, premium, pagers, …). The type is shown on every
/// decision that consulted Lookup.</summary>
internal sealed class LineTypeRule : IRule
{
    public string Id => "line_type";
    private const string Citation = "seller policy (VoiceProxy:Sellers:N:BlockedLineTypes); Twilio Lookup line_type_intelligence";

    public IEnumerable<Check> Evaluate(RuleContext c)
    {
        if (c.Facts.Lookup is not { LineType: { } answered } lookup)
        {
            yield return new(Id, Outcome.NotApplicable, Citation, c.Facts.Lookup?.Skipped ?? LookupChecks.NotConsulted);
            yield break;
        }
        var type = answered.Answer.Answer;
        var carrier = type is not null && answered.Answer.Detail is { } name ? $" ({name})" : "";
        var detail = $"{type ?? "unknown"}{carrier}, {LookupChecks.Source(answered)}";
        if (type is null) yield return LookupChecks.Unavailable(Id, Citation, answered, lookup.Policy);
        else if (lookup.Policy.BlockedLineTypes.Contains(type))
            yield return Check.Blocked(Id, Citation, ReasonCodes.LineTypeNotAllowed,
                $"The number is a {type} line, which this seller never calls.", detail);
        else yield return new(Id, Outcome.Pass, Citation, detail);
    }
}

/// <summary>Consent belongs to the person who gave it: asked of the Reassigned Numbers Database (through Lookup) with the date
/// of the consent relied on, or of a later call a human answered. "no" is the safe harbour of 47 CFR 64.1200(m).</summary>
internal sealed class ReassignedNumberRule : IRule
{
    public string Id => "reassigned_number";
    private const string Citation = "47 CFR 64.1200(m) (Reassigned Numbers Database safe harbor)";

    public IEnumerable<Check> Evaluate(RuleContext c)
    {
        if (c.Facts.Lookup is not { Reassigned: { } answered } lookup)
        {
            yield return new(Id, Outcome.NotApplicable, Citation,
                c.Facts.Lookup?.ReassignedSkipped ?? LookupChecks.NotConsulted);
            yield break;
        }
        var since = answered.Answer.LastVerifiedDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var detail = $"{answered.Answer.Answer ?? "no answer"} since {since}, {LookupChecks.Source(answered)}";
        yield return answered.Answer.Answer switch
        {
            "yes" => Check.Blocked(Id, Citation, ReasonCodes.NumberReassigned,
                $"The number was disconnected after {since}, the date of the consent relied on: that consent was given by " +
                "the previous subscriber.", detail),
            "no" => new(Id, Outcome.Pass, Citation,
                $"not reassigned since {since} (safe harbor), {LookupChecks.Source(answered)}"),
            "no_data_available" when lookup.Policy.BlockNoData => Check.Blocked(Id, Citation, ReasonCodes.LookupUnavailable,
                $"The Reassigned Numbers Database has no data for this number since {since}, and " +
                "VoiceProxy:Lookup:NoDataAvailable=block.", detail),
            "no_data_available" => new(Id, Outcome.Pass, Citation,
                $"{detail}; allowed by VoiceProxy:Lookup:NoDataAvailable=allow (no safe harbor)"),
            _ => LookupChecks.Unavailable(Id, Citation, answered, lookup.Policy),
        };
    }
}
