using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using BenchmarkDotNet.Attributes;
using VoiceProxy.Calls;
using VoiceProxy.Compliance;
using VoiceProxy.Data;

namespace VoiceProxy.Benchmarks;

/// <summary>A dry run's JSON: its request body read and its decision written (twelve checks, as the gate makes them), with
/// the reflection serializer (the baseline, as before) and with the serializers generated at build time
/// (<c>CallsJson</c>). Run: <c>bdn --filter *JsonBenchmarks*</c>.</summary>
[MemoryDiagnoser]
public class JsonBenchmarks
{
    private const string Body = """
        {"to":"+12125550123","purpose":"transactional","template":"order_update","language":"en-US",
         "variables":{"order":"A-1042","window":"2-4 pm"},"customer":{"state":"NY","timeZone":"America/New_York"}}
        """;

    private static readonly Decision Decision = new(
        true, new DateTimeOffset(2026, 12, 2, 15, 0, 0, TimeSpan.Zero),
        Enumerable.Range(0, 12)
            .Select(i => new Check($"rule_{i}", Outcome.Pass, "47 CFR 64.1200(c)(2); 16 CFR 310.4(b)(1)(iii)(B)", $"detail {i}"))
            .ToList(),
        [], null, [new ListConsulted("national", new DateOnly(2026, 11, 30)), new ListConsulted("state:NY", null)]);

    private readonly JsonSerializerOptions _reflection = new(StoredJson.Options);
    private readonly JsonTypeInfo<CallRequestBody> _body = CallsJson.Default.CallRequestBody;
    private readonly JsonTypeInfo<Decision> _decision = CallsJson.Default.Decision;

    [Benchmark(Baseline = true)]
    public long Reflection()
    {
        var body = JsonSerializer.Deserialize<CallRequestBody>(Body, _reflection)!;
        return JsonSerializer.SerializeToUtf8Bytes(Decision, _reflection).Length + body.To!.Length;
    }

    [Benchmark]
    public long Generated()
    {
        var body = JsonSerializer.Deserialize(Body, _body)!;
        return JsonSerializer.SerializeToUtf8Bytes(Decision, _decision).Length + body.To!.Length;
    }
}
