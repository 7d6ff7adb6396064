using System.Text.Json.Serialization;

using VoiceProxy.Consent;

namespace VoiceProxy.Compliance;

/// <summary>What is asked: one call on behalf of a seller.</summary>
public sealed record CallIntent(string Seller, string To, Purpose Purpose, string From);

/// <summary>Outcome of a rule, as the API names it.</summary>
public static class Outcome
{
    public const string Pass = "pass";
    public const string Block = "block";
    public const string Exempt = "exempt";
    public const string NotApplicable = "not_applicable";
}

/// <summary>Stable reason codes a client may switch on.</summary>
public static class ReasonCodes
{
    public const string ConsentMissing = "consent_missing";
    public const string ConsentInsufficient = "consent_insufficient";
    public const string ConsentRevoked = "consent_revoked";
    public const string DncInternal = "dnc_internal";
    public const string DncNational = "dnc_national";
    public const string DncState = "dnc_state";
    public const string RegistryStale = "registry_stale";
    public const string OutsideCallingHours = "outside_calling_hours";
    public const string RestrictedDay = "restricted_day";
    public const string FrequencyCap = "frequency_cap";
    public const string CallerIdNotAllowed = "caller_id_not_allowed";
    public const string UnknownLocation = "unknown_location";
    public const string OptOutLineMissing = "opt_out_line_missing";
    public const string AdadNotAllowed = "adad_not_allowed";
    public const string NumberReassigned = "number_reassigned";
    public const string LineTypeNotAllowed = "line_type_not_allowed";
    public const string LookupUnavailable = "lookup_unavailable";
    public const string MailingAddressMissing = "mailing_address_missing";
}

/// <summary>One rule's outcome. <see cref="Code"/> and <see cref="Message"/> are set when it blocks.</summary>
public sealed record Check(
    string Rule,
    string Outcome,
    string Citation,
    string Detail,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Code = null,
    [property: JsonIgnore] string? Message = null)
{
    public static Check Blocked(string rule, string citation, string code, string message, string? detail = null) =>
        new(rule, Compliance.Outcome.Block, citation, detail ?? message, code, message);
}

public sealed record Reason(string Code, string Rule, string Message);

/// <summary>A registry list the decision consulted, with the date its copy was downloaded.</summary>
public sealed record ListConsulted(string List, DateOnly? AsOf);

public sealed record Decision(
    bool Allowed,
    DateTimeOffset EvaluatedAt,
    IReadOnlyList<Check> Checks,
    IReadOnlyList<Reason> Reasons,
    DateTimeOffset? NextAllowedAt,
    IReadOnlyList<ListConsulted> Lists,
    // The rule book that decided (RuleBook.Version); null on decisions taken before rule books had versions.
    string? RulesVersion = null,
    // Whose rules decided: US or CA, by the area code; null when the area code is unknown (and on decisions taken before
    // Canada was known).
    string? Jurisdiction = null);
