using System.Text.Json;

namespace VoiceProxy.Data;

/// <summary>The one way JSON is written into the store (call variables, decisions, event details, audit payloads) and
/// read back.</summary>
public static class StoredJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
