using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;

namespace VoiceProxy.Data;

/// <summary>A person's data that an event needs (a number, consent evidence, words spoken), kept beside the event instead of
/// in it, so that it can be erased while the hash-chained event stays as sealed. The event carries a
/// <see cref="PersonalRef"/>: this row's id and SHA-256(salt, data), which proves the data unchanged while it exists and,
/// the salt being random and kept only here, reveals nothing once the row is gone.</summary>
public sealed class PersonalData
{
    public required string Id { get; init; }
    /// <summary>The keyed pseudonym of the person (Infrastructure.Pseudonyms), by which an erasure finds the rows.</summary>
    public required string Person { get; init; }
    /// <summary>When the event was written: the retention period counts from here.</summary>
    public required DateTimeOffset At { get; init; }
    public required string Salt { get; init; }
    /// <summary>A JSON object whose properties are shown in the event's detail while the row exists.</summary>
    public required string Json { get; init; }
}

/// <summary>What a chained event holds of its personal data: where it is, and its salted digest.</summary>
public sealed record PersonalRef(string Ref, string Sha256);

public static class PersonalRecords
{
    /// <summary>What a reader sees in place of personal data that was erased.</summary>
    public const string Erased = "erased";

    private const string Marker = "\"personal\":{\"ref\":";

    public static (PersonalData Row, PersonalRef Ref) New(string person, DateTimeOffset at, object data)
    {
        var json = JsonSerializer.Serialize(data, StoredJson.Options);
        var salt = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var row = new PersonalData
        {
            Id = Guid.CreateVersion7(at).ToString(), Person = person, At = at, Salt = salt, Json = json,
        };
        return (row, new PersonalRef(row.Id, Digest(salt, json)));
    }

    public static string Digest(string salt, string json) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"voiceproxy-personal-v1\n{salt}\n{json}")));

    public static bool Matches(PersonalData row, PersonalRef reference) =>
        row.Id == reference.Ref && Digest(row.Salt, row.Json) == reference.Sha256;

    /// <summary>The personal data an event's payload refers to, if any.</summary>
    public static PersonalRef? RefIn(string payloadJson)
    {
        if (!payloadJson.Contains(Marker, StringComparison.Ordinal)) return null;
        return JsonNode.Parse(payloadJson)?["personal"] is JsonObject o
            && o["ref"]?.GetValue<string>() is { } id && o["sha256"]?.GetValue<string>() is { } sha
            ? new PersonalRef(id, sha) : null;
    }

    public static async Task<Dictionary<string, PersonalData>> LoadAsync(
        VoiceProxyDb db, IEnumerable<string> payloads, CancellationToken ct)
    {
        var ids = payloads.Select(RefIn).OfType<PersonalRef>().Select(r => r.Ref).Distinct().ToList();
        return ids.Count == 0 ? []
            : await db.PersonalData.AsNoTracking().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
    }

    /// <summary>An event's payload as a reader sees it: the personal data's properties in place of the reference while the
    /// data exists (and is unchanged), <c>"personal": "erased"</c> once it is gone.</summary>
    public static JsonElement Reveal(string payloadJson, IReadOnlyDictionary<string, PersonalData> rows)
    {
        if (RefIn(payloadJson) is not { } reference) return JsonSerializer.Deserialize<JsonElement>(payloadJson);
        var payload = JsonNode.Parse(payloadJson)!.AsObject();
        payload.Remove("personal");
        if (rows.TryGetValue(reference.Ref, out var row) && Matches(row, reference)
            && JsonNode.Parse(row.Json) is JsonObject personal)
            foreach (var (name, value) in personal.ToList())
            {
                personal.Remove(name);
                payload[name] = value;
            }
        else
            payload["personal"] = rows.ContainsKey(reference.Ref) ? "altered" : Erased;
        return JsonSerializer.SerializeToElement(payload);
    }
}
