using System.Net;
using Microsoft.Extensions.DependencyInjection;
using VoiceProxy.Telephony;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace VoiceProxy.Tests.Telephony;

/// <summary>Retries only on 429, a breaker for a failing Twilio, and reconciliation of calls whose answer was lost.</summary>
public sealed class TwilioFaultTests : ApplicationTests
{
    private static string CallsPath => $"/2010-04-01/Accounts/{VoiceProxyApplication.AccountSid}/Calls.json";

    /// <summary>Twilio answers the create-call requests with these statuses in turn (the last one repeats).</summary>
    private void TwilioAnswers(params (int Status, string? RetryAfter)[] answers)
    {
        App.Twilio.Reset();
        App.StubLookup("mobile", "no");
        for (var i = 0; i < answers.Length; i++)
        {
            var response = Response.Create().WithStatusCode(answers[i].Status).WithHeader("Content-Type", "application/json")
                .WithBody(answers[i].Status == 201
                    ? $$"""{"sid":"CA{{i:D32}}","status":"queued"}"""
                    : $$"""{"code":{{(answers[i].Status == 429 ? 20429 : 20500)}},"message":"nope","""
                        + $"\"status\":{answers[i].Status}}}");
            if (answers[i].RetryAfter is { } after) response = response.WithHeader("Retry-After", after);
            var given = App.Twilio.Given(Request.Create().WithPath(CallsPath).UsingPost());
            if (answers.Length > 1)
            {
                given = given.InScenario("answers");
                given = i == 0 ? given.WillSetStateTo("s1") : given.WhenStateIs($"s{i}")
                    .WillSetStateTo($"s{Math.Min(i + 1, answers.Length - 1)}");
            }
            given.RespondWith(response);
        }
    }

    [Fact]
    public async Task Twilio429ThenCreated_RetriedHonoringRetryAfterAndOneCallPlaced()
    {
        await Acme.GrantAsync(Phone, "transactional");
        TwilioAnswers((429, "1"), (429, null), (201, null));

        var (status, call) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal($"CA{2:D32}", (string?)call["twilioCallSid"]);
        var requests = App.CreateCallRequests;
        Assert.Equal(3, requests.Count);
        Assert.True(requests[1].RequestMessage.DateTime - requests[0].RequestMessage.DateTime >= TimeSpan.FromSeconds(0.9),
            "Retry-After: 1 was not honored");
    }

    [Fact]
    public async Task Twilio429Always_GivesUpAfterThreeRetriesAsFailed()
    {
        await Acme.GrantAsync(Phone, "transactional");
        TwilioAnswers((429, "0"));

        var (status, body) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("failed", (string?)body["callStatus"]);
        Assert.Equal(4, App.CreateCallRequests.Count);
    }

    [Fact]
    public async Task TwilioFailingRepeatedly_BreakerAnswers503WithoutSending()
    {
        TwilioAnswers((500, null));
        for (var i = 0; i < 5; i++)
        {
            var phone = $"+1415555{i:D4}";
            await Acme.GrantAsync(phone, "transactional");
            var (_, failed) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(phone));
            Assert.Equal("unknown", (string?)failed["callStatus"]);
        }
        await Acme.GrantAsync(Phone, "transactional");

        var (status, body) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("failed", (string?)body["callStatus"]);
        Assert.Equal(5, App.CreateCallRequests.Count);
        var (_, call) = await Acme.GetJsonAsync($"/v1/calls/{body["callId"]}");
        Assert.Contains("circuit breaker",
            (string?)call["events"]!.AsArray().Single(e => (string?)e!["type"] == "twilio.create")!["detail"]!["detail"]);
    }

    [Fact]
    public async Task UnknownCall_FoundAtTwilio_GetsItsSidAndStatus()
    {
        await Acme.GrantAsync(Phone, "transactional");
        TwilioAnswers((500, null));
        var (_, lost) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        App.Twilio.Given(Request.Create().WithPath(CallsPath).UsingGet().WithParam("To", Phone))
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody($$"""
                {"calls":[{"sid":"CA77777777777777777777777777777777","to":"{{Phone}}",
                  "from":"{{VoiceProxyApplication.AcmeCallerId}}","status":"in-progress",
                  "date_created":"Mon, 30 Nov 2026 18:00:01 +0000"}],
                 "end":0,"first_page_uri":"/x","next_page_uri":null,"page":0,"page_size":20,"previous_page_uri":null,
                 "start":0,"uri":"/x"}
                """));
        App.Time.Advance(TimeSpan.FromMinutes(2)); // the background pass may run now too; either pass resolves it once

        await App.Services.GetRequiredService<CallReconciler>().ReconcileOnceAsync(CancellationToken.None);

        // If the background pass won, its event may land a moment after its update: wait for it, then expect exactly one.
        static bool Reconciled(System.Text.Json.Nodes.JsonNode c) => c["events"]!.AsArray()
            .Any(e => (string?)e!["type"] == "call.reconciled");
        var (_, call) = await Acme.GetJsonAsync($"/v1/calls/{lost["callId"]}");
        for (var deadline = DateTime.UtcNow.AddSeconds(10); !Reconciled(call) && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(50);
            (_, call) = await Acme.GetJsonAsync($"/v1/calls/{lost["callId"]}");
        }
        Assert.Single(call["events"]!.AsArray(), e => (string?)e!["type"] == "call.reconciled");
        Assert.Equal("CA77777777777777777777777777777777", (string?)call["twilioCallSid"]);
        Assert.Equal("in-progress", (string?)call["status"]);
    }

    [Fact]
    public async Task UnknownCall_NotAtTwilioAfterGiveUp_BecomesFailed()
    {
        await Acme.GrantAsync(Phone, "transactional");
        TwilioAnswers((500, null));
        var (_, lost) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        App.Twilio.Given(Request.Create().WithPath(CallsPath).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(
                """
                {"calls":[],"end":0,"first_page_uri":"/x","next_page_uri":null,"page":0,"page_size":20,"previous_page_uri":null,
                 "start":0,"uri":"/x"}
                """));
        var reconciler = App.Services.GetRequiredService<CallReconciler>();

        App.Time.Advance(TimeSpan.FromMinutes(2));
        await reconciler.ReconcileOnceAsync(CancellationToken.None);
        var (_, pending) = await Acme.GetJsonAsync($"/v1/calls/{lost["callId"]}");
        Assert.Equal("unknown", (string?)pending["status"]);
        App.Time.Advance(CallReconciler.GiveUpAfter);
        await reconciler.ReconcileOnceAsync(CancellationToken.None);

        var (_, call) = await Acme.GetJsonAsync($"/v1/calls/{lost["callId"]}");
        Assert.Equal("failed", (string?)call["status"]);
        Assert.Contains(call["events"]!.AsArray(), e => (string?)e!["type"] == "call.reconciled");
    }
}
