using System.Text.Json;
using System.Text.Json.Serialization;
using VoiceProxy.Consent;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Compliance;

/// <summary>
/// The facts a decision was made on, as kept with the call record so that it can be taken again later (replay): one-letter
/// names, nothing empty written, about 200 bytes. Version 1: <c>{"v":1,"t":consent,"m":consent,"d":since,"r":[list],
/// "l":{"s":[states],"z":[zones],"o":source},"c":[recent calls],"p":{"c":[caller ids],"w":exempts,"o":opt-out line,
/// "a":mailing address},"x":[restricted dates],"k":Lookup}</c>,
/// where a consent
/// is <c>{"s":1|2,"k":kind,"a":since}</c> (granted, revoked; none is left out) and a list <c>{"n":name,"x":listed,
/// "a":asOf}</c>.
/// </summary>
public static class KeptFacts
{
    private const int Version = 1;

    public static string Serialize(CallFacts f) => JsonSerializer.Serialize(new Kept(
        Version,
        Of(f.Transactional),
        Of(f.Marketing),
        f.InternalDncSince,
        f.Registries.Count == 0 ? null : f.Registries.Select(r => new KeptList(r.List, r.Listed, r.AsOf)).ToArray(),
        f.Location is { } l ? new KeptLocation(l.States.ToArray(), l.Zones.Select(z => z.Id).ToArray(), l.Source) : null,
        f.RecentCalls.Count == 0 ? null : f.RecentCalls.ToArray(),
        new KeptSeller(f.Seller.CallerIds.ToArray(), f.Seller.WrittenConsentExemptsRegistry, f.Seller.TollFreeOptOutLine,
            f.Seller.MailingAddress),
        f.RestrictedDates.Count == 0 ? null : f.RestrictedDates.ToArray(),
        f.Lookup),
        KeptJson.Default.Kept);

    /// <summary>The facts back, or null for a form this version does not read (never guessed).</summary>
    public static CallFacts? Deserialize(string kept)
    {
        Kept? k;
        try
        {
            k = JsonSerializer.Deserialize(kept, KeptJson.Default.Kept);
        }
        catch (JsonException)
        {
            return null;
        }
        if (k is not { V: Version, P: not null }) return null;
        return new CallFacts(
            Consent(k.T),
            Consent(k.M),
            k.D,
            k.R is null ? [] : Array.ConvertAll(k.R, r => new RegistryFact(r.N, r.X, r.A)),
            k.L is { } l ? new Location(l.S, Array.ConvertAll(l.Z, TimeZones.Find), l.O) : null,
            k.C ?? [],
            new SellerPolicy(k.P.C, k.P.W, k.P.O, k.P.A),
            k.X ?? [],
            k.K);
    }

    private static KeptConsent? Of(ConsentStatus s) => s.State == ConsentState.None ? null : new((int)s.State, s.Kind, s.Since);

    private static ConsentStatus Consent(KeptConsent? c) =>
        c is null ? ConsentStatus.None : new((ConsentState)c.S, c.K, c.A);
}

internal sealed record Kept(
    [property: JsonPropertyName("v")] int V,
    [property: JsonPropertyName("t")] KeptConsent? T,
    [property: JsonPropertyName("m")] KeptConsent? M,
    [property: JsonPropertyName("d")] DateTimeOffset? D,
    [property: JsonPropertyName("r")] KeptList[]? R,
    [property: JsonPropertyName("l")] KeptLocation? L,
    [property: JsonPropertyName("c")] DateTimeOffset[]? C,
    [property: JsonPropertyName("p")] KeptSeller? P,
    [property: JsonPropertyName("x")] RestrictedDateFact[]? X = null,
    [property: JsonPropertyName("k")] LookupFacts? K = null);

internal sealed record KeptConsent(
    [property: JsonPropertyName("s")] int S,
    [property: JsonPropertyName("k")] string? K,
    [property: JsonPropertyName("a")] DateTimeOffset? A);

internal sealed record KeptList(
    [property: JsonPropertyName("n")] string N,
    [property: JsonPropertyName("x")] bool X,
    [property: JsonPropertyName("a")] DateOnly? A);

internal sealed record KeptLocation(
    [property: JsonPropertyName("s")] string[] S,
    [property: JsonPropertyName("z")] string[] Z,
    [property: JsonPropertyName("o")] string O);

/// <summary>The seller's caller IDs, whether written consent lifts the registries, whether it has a toll-free automated
/// opt-out line, its mailing address (calls to Canada; left out when none).</summary>
internal sealed record KeptSeller(
    [property: JsonPropertyName("c")] string[] C,
    [property: JsonPropertyName("w")] bool W,
    [property: JsonPropertyName("o")] bool O,
    [property: JsonPropertyName("a")] string? A = null);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Kept))]
internal sealed partial class KeptJson : JsonSerializerContext;
