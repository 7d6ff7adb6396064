namespace VoiceProxy.Consent;

/// <summary>How far a consumer's revocation reaches under the rules in force (the rule book's revocation-scope entries,
/// which this folder cannot read: Compliance implements it).</summary>
public interface IRevocationScope
{
    /// <summary>The scope to record for a revocation of <paramref name="requested"/> (null: every purpose) asked for or
    /// recorded at these instants: every purpose where a revoke-all rule is in force at either, with that rule's
    /// citation.</summary>
    (string? Scope, string? Rule) Apply(string phone, string? requested, DateTimeOffset requestedAt, DateTimeOffset recordedAt);
}
