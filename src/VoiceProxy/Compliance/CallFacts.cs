using VoiceProxy.Consent;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Compliance;

/// <summary>Everything the decision needs to know, gathered before it is taken.</summary>
public sealed record CallFacts(
    ConsentStatus Transactional,
    ConsentStatus Marketing,
    DateTimeOffset? InternalDncSince,
    IReadOnlyList<RegistryFact> Registries,
    Location? Location,
    IReadOnlyList<DateTimeOffset> RecentCalls,
    SellerPolicy Seller,
    IReadOnlyList<RestrictedDateFact> RestrictedDates,
    LookupFacts? Lookup = null);


/// <summary>Local dates (inclusive) on which a state bans calls, declared at run time (POST /v1/rules/restricted-dates).
/// </summary>
public sealed record RestrictedDateFact(string Id, string State, DateOnly From, DateOnly To, string Scope, string Citation)
{
    public bool AppliesTo(Purpose purpose) => Scope == "any" || (Scope == "marketing" && purpose == Purpose.Marketing);
    public bool Covers(DateOnly date) => date >= From && date <= To;
}

/// <summary>Where the called party may be: every candidate state and time zone. Null facts location means unknown. The area
/// code's own states come first, so the first state's country is the number's.</summary>
public sealed record Location(IReadOnlyList<string> States, IReadOnlyList<TimeZoneInfo> Zones, string Source)
{
    /// <summary>The country whose law governs the call: the area code's (<c>US</c> or <c>CA</c>).</summary>
    public string Country => Countries.Of(States[0]);

    /// <summary>A candidate state (the customer's) lies in another country than the area code.</summary>
    public bool SpansCountries => States.Any(s => Countries.Of(s) != Country);

    /// <summary>The rule book's jurisdictions the call is in (<see cref="RuleBook.JurisdictionsOf"/>), worked out once
    /// per location rather than for each rule entry a rule looks at.</summary>
    public IReadOnlyList<string> Jurisdictions { get; } = RuleBook.JurisdictionsOf(States);
}

/// <summary>What the decision needs of the seller's settings. <see cref="TollFreeOptOutLine"/>: an OptOutNumber is
/// configured and is toll-free. <see cref="MailingAddress"/>: what a call to Canada must give (UTR Part IV).</summary>
public sealed record SellerPolicy(
    IReadOnlyList<string> CallerIds, bool WrittenConsentExemptsRegistry, bool TollFreeOptOutLine, string? MailingAddress = null);
