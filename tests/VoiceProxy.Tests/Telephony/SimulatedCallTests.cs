using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace VoiceProxy.Tests.Telephony;

/// <summary>Whole calls played by the simulated Twilio through real HTTP: placed, heard, answered by the scenario the test
/// number chooses. Each test uses its own numbers, so the tests share one running service.</summary>
public sealed class SimulatedCallTests(SimulatedTwilioSite site) : IClassFixture<SimulatedTwilioSite>
{
    private static readonly string[] TerminalStatuses = ["completed", "busy", "no-answer", "failed", "canceled"];
    private static readonly string[] AsyncAmdSequence = ["twilio.voice", "twilio.amd", "twilio.update", "twilio.voicemail"];

    [Fact]
    public async Task Call_ToOptOutTestNumber_HeardThenOptedOutAndNextCallBlocked()
    {
        const string phone = "+14155550199";
        using var acme = site.Client();
        await acme.GrantAsync(phone, "transactional");

        var (status, placed) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(phone));
        Assert.Equal(HttpStatusCode.Created, status);
        var call = await WaitForEndAsync(acme, (string)placed["id"]!);

        Assert.Equal("completed", (string?)call["status"]);
        Assert.Equal("human", (string?)call["answeredBy"]);
        Assert.True((bool)call["optedOut"]!);
        Assert.True((int)call["durationSeconds"]! > 0);
        var events = Events(call);
        Assert.Equal(["initiated", "ringing", "in-progress", "completed"],
            events.Where(e => e.Type == "twilio.status").Select(e => (string?)e.Detail["callStatus"]).ToList());
        Assert.Equal(["0", "1", "2", "3"],
            events.Where(e => e.Type == "twilio.status").Select(e => (string?)e.Detail["sequenceNumber"]).ToList());
        var heard = events.First(e => e.Type == "message.rendered");
        Assert.StartsWith("Hello, this is an automated call from Acme Outdoor Supply.", (string?)heard.Detail["text"]);
        Assert.Contains("order A-1001", (string?)heard.Detail["text"]);
        Assert.Contains(events, e => e.Type == "twilio.gather" && (string?)e.Detail["digits"] == "9");
        Assert.Contains(events, e => e.Type == "call.opted_out" && (string?)e.Detail["channel"] == "keypress");
        Assert.True(events.FindIndex(e => e.Type == "twilio.voice") < events.FindIndex(e => e.Type == "call.opted_out"));

        var (again, problem) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(phone));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, again);
        Assert.Contains("consent_revoked", problem.ReasonCodes());
        Assert.Contains("dnc_internal", problem.ReasonCodes());
    }

    [Fact]
    public async Task Call_ToSaysStopTestNumber_OptedOutByVoice()
    {
        const string phone = "+12125550186";
        using var acme = site.Client();
        await acme.GrantAsync(phone, "transactional");

        var (_, placed) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(phone));
        var call = await WaitForEndAsync(acme, (string)placed["id"]!);

        Assert.True((bool)call["optedOut"]!);
        var events = Events(call);
        Assert.Contains(events, e => e.Type == "twilio.gather" && (string?)e.Detail["speech"] == "opt out");
        Assert.Contains(events, e => e.Type == "call.opted_out" && (string?)e.Detail["channel"] == "voice");
    }

    [Theory]
    [InlineData("+14155550100", "completed", "human", false)]
    [InlineData("+14155550177", "busy", null, false)]
    [InlineData("+14155550155", "no-answer", null, false)]
    [InlineData("+14155550166", "completed", "machine_end_beep", true)]
    [InlineData("+14155550144", "failed", null, false)]
    public async Task Call_ToScenarioTestNumber_StatusAndAnsweredByRecorded(string phone, string finalStatus, string? answeredBy,
        bool voicemail)
    {
        using var acme = site.Client();
        await acme.GrantAsync(phone, "transactional");

        var (status, placed) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(phone));
        Assert.Equal(HttpStatusCode.Created, status);
        var call = await WaitForEndAsync(acme, (string)placed["id"]!);

        Assert.Equal(finalStatus, (string?)call["status"]);
        Assert.Equal(answeredBy, (string?)call["answeredBy"]);
        Assert.False((bool)call["optedOut"]!);
        var events = Events(call);
        var spoken = events.Where(e => e.Type == "message.rendered").Select(e => (string)e.Detail["text"]!).ToList();
        if (answeredBy is null) Assert.Empty(spoken);
        else
        {
            // Asynchronous detection, as with Twilio: the message starts at once and the result comes afterwards.
            Assert.StartsWith("Hello, this is an automated call from Acme Outdoor Supply.", spoken[0], StringComparison.Ordinal);
            Assert.Contains("order A-1001", spoken[0], StringComparison.Ordinal);
            Assert.Null((string?)Assert.Single(events, e => e.Type == "twilio.voice").Detail["answeredBy"]);
            Assert.Equal(answeredBy, (string?)Assert.Single(events, e => e.Type == "twilio.amd").Detail["answeredBy"]);
            if (voicemail) Assert.DoesNotContain("order A-1001", spoken[^1], StringComparison.Ordinal);
            else Assert.Single(spoken);
        }
        Assert.DoesNotContain(events, e => e.Type == "twilio.gather");

        // Nothing about the call stops the next one: the number did not opt out.
        var (next, _) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(phone));
        Assert.Equal(HttpStatusCode.Created, next);
    }

    [Fact]
    public async Task Call_ToVoicemailTestNumber_MessageStartsThenSignedAmdCallbackRedirectsToVoicemail()
    {
        const string phone = "+13035550166";
        using var acme = site.Client();
        await acme.GrantAsync(phone, "transactional");

        var (status, placed) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(phone));
        Assert.Equal(HttpStatusCode.Created, status);
        var id = (string)placed["id"]!;
        var call = await WaitForEndAsync(acme, id);

        // The production path: the voice webhook without AnsweredBy, then the signed AsyncAmdStatusCallback, then the call
        // update (Twilio's API, here the stand-in's) and the voicemail URL Twilio fetches next.
        var events = Events(call);
        var order = AsyncAmdSequence.Select(type => events.FindIndex(e => e.Type == type)).ToList();
        Assert.DoesNotContain(-1, order);
        Assert.Equal(order.Order(), order);
        var amd = events[order[1]].Detail;
        Assert.Equal("machine_end_beep", (string?)amd["answeredBy"]);
        Assert.Equal("voicemail", (string?)amd["action"]);
        Assert.Equal("4210", (string?)amd["machineDetectionDuration"]);
        var update = events[order[2]].Detail;
        Assert.True((bool)update["accepted"]!);
        Assert.EndsWith($"/twilio/voicemail/{id}", (string?)update["request"]!["Url"], StringComparison.Ordinal);
        var spoken = events.Where(e => e.Type == "message.rendered").Select(e => (string)e.Detail["text"]!).ToList();
        Assert.Equal(2, spoken.Count);
        Assert.Contains("order A-1001", spoken[0], StringComparison.Ordinal);
        Assert.StartsWith("Hello, this is an automated message from Acme Outdoor Supply.", spoken[1], StringComparison.Ordinal);
        Assert.Contains("toll-free automated opt-out line", spoken[1], StringComparison.Ordinal);
        Assert.DoesNotContain("order A-1001", spoken[1], StringComparison.Ordinal);
        Assert.Equal("machine_end_beep", (string?)call["answeredBy"]);
        Assert.Equal("completed", (string?)call["status"]);
    }

    [Fact]
    public async Task Call_ToListeningTestNumber_AmdCallbackSaysHumanAndNothingIsRedirected()
    {
        const string phone = "+13035550100";
        using var acme = site.Client();
        await acme.GrantAsync(phone, "transactional");

        var (_, placed) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(phone));
        var call = await WaitForEndAsync(acme, (string)placed["id"]!);

        var events = Events(call);
        Assert.True(events.FindIndex(e => e.Type == "twilio.voice") < events.FindIndex(e => e.Type == "twilio.amd"));
        var amd = Assert.Single(events, e => e.Type == "twilio.amd").Detail;
        Assert.Equal("human", (string?)amd["answeredBy"]);
        Assert.Null((string?)amd["action"]);
        Assert.DoesNotContain(events, e => e.Type is "twilio.update" or "twilio.voicemail");
        Assert.Equal("human", (string?)call["answeredBy"]);
    }

    /// <summary>Polls the call record until a final status and the last status callback are in, for at most 30 seconds.</summary>
    private static async Task<JsonNode> WaitForEndAsync(HttpClient client, string id)
    {
        var deadline = Stopwatch.StartNew();
        JsonNode? call = null;
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            (_, call) = await client.GetJsonAsync($"/v1/calls/{id}");
            if (TerminalStatuses.Contains((string?)call["status"])
                && Events(call).Any(e => e.Type == "twilio.status" && TerminalStatuses.Contains((string?)e.Detail["callStatus"])))
                return call;
            await Task.Delay(50);
        }
        throw new TimeoutException($"Call {id} did not end within 30 s; last seen: {call?.ToJsonString()}");
    }

    private static List<(string Type, JsonNode Detail)> Events(JsonNode call) =>
        call["events"]!.AsArray().Select(e => ((string)e!["type"]!, e["detail"] ?? new JsonObject())).ToList();
}
