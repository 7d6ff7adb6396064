using System.Text.Json;
using System.Text.Json.Serialization;
using VoiceProxy.Compliance;

namespace VoiceProxy.Calls;

/// <summary>The JSON of the calls API and of the decision each call stores, generated at build time: no reflection over these
/// types at start-up or on a request, and serializers that write straight to the output. The same web defaults as
/// <c>StoredJson.Options</c> and the HTTP options, so the text is the same either way; other types keep the reflection
/// resolver behind this one.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CallRequestBody))]
[JsonSerializable(typeof(CallView))]
[JsonSerializable(typeof(Decision))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class CallsJson : JsonSerializerContext;
