namespace VoiceProxy.Data;

/// <summary>One field of one Twilio Lookup request and its answer: the cache every instance shares, and the count of lookups
/// made. Names the number by its keyed pseudonym only. Append-only: a fresher answer is a new row.</summary>
public sealed class LookupAnswer
{
    public long Id { get; init; }
    /// <summary>The number's pseudonym (see Infrastructure.Pseudonyms).</summary>
    public required string Person { get; init; }
    /// <summary>The seller whose call or check asked.</summary>
    public required string Seller { get; init; }
    /// <summary><c>line_type_intelligence</c> or <c>reassigned_number</c>.</summary>
    public required string Field { get; init; }
    /// <summary>The date asked about (reassigned_number only).</summary>
    public DateOnly? LastVerifiedDate { get; init; }
    /// <summary>Twilio's answer (<c>mobile</c>, <c>yes</c>, …); null when Lookup could not answer.</summary>
    public string? Answer { get; init; }
    /// <summary>The carrier's name, or why there is no answer.</summary>
    public string? Detail { get; init; }
    public required DateTimeOffset AskedAt { get; init; }
}

/// <summary>Answers served from the cache instead of asking Lookup, counted in memory and added up here every few seconds
/// per seller and hour (a dry run that hits the cache writes nothing itself).</summary>
public sealed class LookupCacheHits
{
    public long Id { get; init; }
    public required string Seller { get; init; }
    /// <summary>The start of the hour (UTC) the hits were counted in.</summary>
    public required DateTimeOffset Hour { get; init; }
    public required int Hits { get; init; }
}
