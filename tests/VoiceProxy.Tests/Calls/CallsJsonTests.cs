using System.Text.Json;
using VoiceProxy.Calls;
using VoiceProxy.Compliance;
using VoiceProxy.Data;

namespace VoiceProxy.Tests.Calls;

/// <summary>The JSON generated at build time (CallsJson) must write and read what the reflection serializer with the store's
/// options does: stored decisions are read by both, and the API's answers must not change with the serializer.</summary>
public sealed class CallsJsonTests
{
    private static readonly Decision Blocked = new(
        false, new DateTimeOffset(2026, 12, 2, 13, 5, 0, TimeSpan.Zero),
        [
            new Check("consent", Outcome.Pass, "47 CFR 64.1200(a)(2)", "express consent since 2026-01-01"),
            Check.Blocked(
                "federal_hours", "47 CFR 64.1200(c)(1)", ReasonCodes.OutsideCallingHours, "It is 21:05 there.", "21:05"),
        ],
        [new Reason(ReasonCodes.OutsideCallingHours, "federal_hours", "It is 21:05 there.")],
        new DateTimeOffset(2026, 12, 3, 13, 0, 0, TimeSpan.Zero),
        [new ListConsulted("national", new DateOnly(2026, 11, 30)), new ListConsulted("state:TX", null)]);

    [Fact]
    public void Decision_GeneratedAndReflection_WriteTheSameText()
    {
        var generated = JsonSerializer.Serialize(Blocked, CallsJson.Default.Decision);

        Assert.Equal(JsonSerializer.Serialize(Blocked, StoredJson.Options), generated);
        Assert.Contains("\"code\":\"outside_calling_hours\"", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("message\":\"It is 21:05 there.\",\"code", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void Decision_WrittenByReflection_ReadByGenerated()
    {
        var text = JsonSerializer.Serialize(Blocked, StoredJson.Options);

        var read = JsonSerializer.Deserialize(text, CallsJson.Default.Decision)!;

        Assert.Equal(JsonSerializer.Serialize(read, StoredJson.Options), text);
    }

    [Fact]
    public void CallRequestBody_ReadLikeTheWebDefaults()
    {
        const string body = """
            {"TO":"+12125550123","purpose":"transactional","variables":{"order":"A-1"},"customer":{"state":"NY"}}
            """;

        var generated = JsonSerializer.Deserialize(body, CallsJson.Default.CallRequestBody)!;

        Assert.Equal(JsonSerializer.Deserialize<CallRequestBody>(body, StoredJson.Options)! with { Variables = null },
            generated with { Variables = null });
        Assert.Equal("A-1", generated.Variables!["order"]);
    }
}
