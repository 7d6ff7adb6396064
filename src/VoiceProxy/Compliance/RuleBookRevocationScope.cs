using VoiceProxy.Consent;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Compliance;

/// <summary>A revocation reaches every purpose where the rule book has a revoke-all rule in force for the number's
/// jurisdictions (by its area code; an unknown one counts as in the US: JurisdictionsOf gives US-US and US).</summary>
internal sealed class RuleBookRevocationScope(Gate gate, NpaTable npa) : IRevocationScope
{
    public (string? Scope, string? Rule) Apply(
        string phone, string? requested, DateTimeOffset requestedAt, DateTimeOffset recordedAt)
    {
        if (requested is null) return (null, null);
        var places = RuleBook.JurisdictionsOf(npa.Find(Phone.Npa(phone))?.States ?? [Countries.Us]);
        var rule = new[] { requestedAt, recordedAt }
            .SelectMany(at => gate.Settings.Rules.InForceAt(at).RevocationScope)
            .FirstOrDefault(r => r.Scope == "all" && places.Contains(r.Jurisdiction));
        return rule is null ? (requested, null) : (null, rule.Citation);
    }
}
