namespace VoiceProxy.Compliance;

/// <summary>Everything the decision needs to know, gathered before it is taken.</summary>
public sealed record CallFacts(
    ConsentStatus Transactional,
    ConsentStatus Marketing,
    DateTimeOffset? InternalDncSince,
    IReadOnlyList<RegistryFact> Registries,
    Location? Location,
    IReadOnlyList<DateTimeOffset> RecentCalls,
    SellerPolicy Seller);

public enum ConsentState { None, Granted, Revoked }

public sealed record ConsentStatus(ConsentState State, string? Kind, DateTimeOffset? Since)
{
    public static readonly ConsentStatus None = new(ConsentState.None, null, null);
    public bool IsWritten => State == ConsentState.Granted && Kind == ConsentKinds.ExpressWritten;
}

public static class ConsentKinds
{
    public const string Express = "express";
    public const string ExpressWritten = "express_written";
}

/// <summary>Membership of the called number in one registry list. <see cref="AsOf"/> is null when no copy is loaded.</summary>
public sealed record RegistryFact(string List, bool Listed, DateOnly? AsOf);

/// <summary>Where the called party may be: every candidate state and time zone. Null facts location means unknown.</summary>
public sealed record Location(IReadOnlyList<string> States, IReadOnlyList<TimeZoneInfo> Zones, string Source);

public sealed record SellerPolicy(IReadOnlyList<string> CallerIds, bool WrittenConsentExemptsRegistry);
