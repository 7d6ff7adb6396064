using System.Text.Json.Serialization;

namespace VoiceProxy.Consent;

/// <summary>Why a call is made. A purpose is also the consent scope it needs: the scope's name is the purpose's name.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Purpose>))]
public enum Purpose
{
    [JsonStringEnumMemberName("transactional")] Transactional,
    [JsonStringEnumMemberName("marketing")] Marketing,
}

/// <summary>The one spelling of each purpose, in requests, records and consent scopes.</summary>
public static class Purposes
{
    public const string Transactional = "transactional";
    public const string Marketing = "marketing";
    public static readonly string[] Names = [Transactional, Marketing];

    public static string Name(Purpose p) => p == Purpose.Marketing ? Marketing : Transactional;

    public static Purpose? Parse(string? name) => name switch
    {
        Transactional => Purpose.Transactional,
        Marketing => Purpose.Marketing,
        _ => null,
    };
}

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
