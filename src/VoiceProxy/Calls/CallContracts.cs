using System.Text.Json;
using VoiceProxy.Compliance;
using VoiceProxy.Data;

namespace VoiceProxy.Calls;

public sealed record CustomerBody(string? State, string? TimeZone);

public sealed record CallRequestBody(
    string? To, string? Purpose, string? Template, string? Language, Dictionary<string, string>? Variables,
    string? From, CustomerBody? Customer, DateTimeOffset? At = null, bool? Lookup = null);

/// <summary>A request that passed validation.</summary>
public sealed record ValidCallRequest(
    CallIntent Intent, string Template, string Language, IReadOnlyDictionary<string, string> Variables,
    CustomerLocation? Customer, string RequestHash);

public sealed record CallEventView(DateTimeOffset At, string Type, JsonElement Detail);

public sealed record CallView(
    string Id, string Seller, string To, string From, string Purpose, string Template, string Language,
    IReadOnlyDictionary<string, string> Variables, string Status, string? AnsweredBy, int? DurationSeconds, string? TwilioCallSid,
    bool OptedOut, DateTimeOffset RequestedAt, DateTimeOffset UpdatedAt, Decision Decision, IReadOnlyList<CallEventView> Events)
{
    internal static CallView Of(CallRecord c, IReadOnlyDictionary<string, PersonalData>? personal) => new(
        c.Id, c.Seller, c.To, c.From, c.Purpose, c.Template, c.Language,
        JsonSerializer.Deserialize(c.VariablesJson, CallsJson.Default.DictionaryStringString)!,
        c.Status, c.AnsweredBy, c.DurationSeconds, c.TwilioCallSid, c.OptedOut, c.RequestedAt, c.UpdatedAt,
        JsonSerializer.Deserialize(c.DecisionJson, CallsJson.Default.Decision)!,
        c.Events
            .OrderBy(e => e.Id)
            .Select(e => new CallEventView(e.At, e.Type, PersonalRecords.Reveal(e.DetailJson, personal ?? NoPersonalData)))
            .ToList());

    private static readonly Dictionary<string, PersonalData> NoPersonalData = [];
}
