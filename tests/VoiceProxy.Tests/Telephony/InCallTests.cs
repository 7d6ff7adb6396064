using System.Globalization;
using System.Net;
using System.Xml.Linq;

namespace VoiceProxy.Tests.Telephony;

/// <summary>What the customer hears and what an opt-out does, through signed webhooks.</summary>
public sealed class InCallTests : ApplicationTests
{
    private readonly TwilioWebhookClient _twilio;

    public InCallTests() => _twilio = new TwilioWebhookClient(App.CreateClient());

    /// <summary>Every element and attribute the service may answer with, from Twilio's TwiML reference.</summary>
    private static readonly Dictionary<string, string[]> TwimlVocabulary = new()
    {
        ["Response"] = [],
        ["Gather"] = ["action", "method", "input", "numDigits", "timeout", "speechTimeout", "hints", "language",
            "actionOnEmptyResult", "finishOnKey", "profanityFilter", "speechModel", "enhanced"],
        ["Say"] = ["voice", "language", "loop"],
        ["Play"] = ["loop", "digits"],
        ["Pause"] = ["length"],
        ["Hangup"] = [],
    };

    private static void AssertValidTwiml(XElement twiml)
    {
        foreach (var element in twiml.DescendantsAndSelf())
        {
            Assert.True(TwimlVocabulary.TryGetValue(element.Name.LocalName, out var attributes),
                $"<{element.Name.LocalName}> is not TwiML this service should send");
            foreach (var attribute in element.Attributes()) Assert.Contains(attribute.Name.LocalName, attributes);
        }
    }

    private async Task<(string Id, string Sid)> PlaceAsync(object request, string scope = "transactional",
        string kind = "express")
    {
        await Acme.GrantAsync(Phone, scope, kind);
        var (status, call) = await Acme.PostJsonAsync("/v1/calls", request);
        Assert.Equal(HttpStatusCode.Created, status);
        return ((string)call["id"]!, (string)call["twilioCallSid"]!);
    }

    private static object Spanish(string to) => new
    {
        to, purpose = "transactional", template = "order-update", language = "es-US",
        variables = new Dictionary<string, string> { ["orderNumber"] = "A-1001", ["orderStatus"] = "en camino" },
    };

    private static List<string> Said(XElement twiml) => twiml.Descendants("Say").Select(s => s.Value).ToList();

    [Fact]
    public async Task Call_AnsweredAndOptedOutByKeypress_FrameOrderThenNextCallBlocked()
    {
        var (id, sid) = await PlaceAsync(ApiHelpers.OrderUpdate(Phone));

        var twiml = await _twilio.TwimlAsync($"/twilio/voice/{id}",
            new() { ["CallSid"] = sid, ["AnsweredBy"] = "human", ["From"] = VoiceProxyApplication.AcmeCallerId, ["To"] = Phone });

        AssertValidTwiml(twiml);
        var gather = twiml.Element("Gather")!;
        Assert.Equal("dtmf speech", (string?)gather.Attribute("input"));
        Assert.Equal("1", (string?)gather.Attribute("numDigits"));
        Assert.Equal($"{VoiceProxyApplication.PublicBaseUrl}/twilio/gather/{id}?attempt=0", (string?)gather.Attribute("action"));
        var said = Said(gather);
        Assert.StartsWith("Hello, this is an automated call from Acme Outdoor Supply.", said[0]);
        Assert.StartsWith("Press 9", said[1]);
        Assert.Contains("order A-1001", said[2]);
        Assert.Contains("8 0 0, 5 5 5, 0 1 9 9", said[^1]);
        Assert.Equal("Hangup", twiml.Elements().Last().Name.LocalName);

        var confirm = await _twilio.TwimlAsync($"/twilio/gather/{id}?attempt=0", new() { ["CallSid"] = sid, ["Digits"] = "9" });

        AssertValidTwiml(confirm);
        Assert.Contains("You will not receive calls from Acme Outdoor Supply again", Said(confirm)[0]);
        Assert.Equal(["Say", "Hangup"], confirm.Elements().Select(e => e.Name.LocalName));
        var (_, call) = await Acme.GetJsonAsync($"/v1/calls/{id}");
        Assert.True((bool)call["optedOut"]!);
        Assert.Contains(call["events"]!.AsArray(), e => (string?)e!["type"] == "message.rendered"
            && ((string?)e["detail"]!["text"])!.StartsWith("Hello, this is an automated call from Acme",
                StringComparison.Ordinal));
        var (_, consent) = await Acme.GetJsonAsync($"/v1/consents/{ApiHelpers.Path(Phone)}");
        var revocation = consent["history"]!.AsArray().Last()!;
        Assert.Equal("keypress", (string?)revocation["channel"]);
        Assert.Null(revocation["scope"]);
        Assert.Contains(sid, (string?)revocation["note"]);
        var (status, problem) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal(["consent_revoked", "dnc_internal"], problem.ReasonCodes().Order());
        Assert.Single(App.CreateCallRequests);
    }

    [Fact]
    public async Task Call_Spanish_FrameAndConfirmationInSpanishThenBlocked()
    {
        var (id, sid) = await PlaceAsync(Spanish(Phone));

        var twiml = await _twilio.TwimlAsync($"/twilio/voice/{id}", new() { ["CallSid"] = sid, ["AnsweredBy"] = "human" });

        var gather = twiml.Element("Gather")!;
        Assert.Equal("es-US", (string?)gather.Attribute("language"));
        Assert.Contains("alto", (string?)gather.Attribute("hints"));
        var said = Said(gather);
        Assert.StartsWith("Hola, esta es una llamada automática de Acme Outdoor Supply.", said[0]);
        Assert.StartsWith("Marque 9", said[1]);
        Assert.All(gather.Elements("Say"), s => Assert.Equal("es-US", (string?)s.Attribute("language")));

        var confirm = await _twilio.TwimlAsync($"/twilio/gather/{id}?attempt=0",
            new() { ["CallSid"] = sid, ["SpeechResult"] = "Alto, no me llamen más." });

        Assert.StartsWith("No recibirá más llamadas de Acme Outdoor Supply", Said(confirm)[0]);
        var (_, consent) = await Acme.GetJsonAsync($"/v1/consents/{ApiHelpers.Path(Phone)}");
        Assert.Equal("voice", (string?)consent["history"]!.AsArray().Last()!["channel"]);
        var (status, _) = await Acme.PostJsonAsync("/v1/calls", Spanish(Phone));
        Assert.Equal((HttpStatusCode)422, status);
    }

    [Fact]
    public async Task Call_Marketing_SaysItIsToSellBeforeTheMessage()
    {
        App.ImportRegistry("national", App.Today);
        var (id, sid) = await PlaceAsync(ApiHelpers.Offer(Phone), "marketing", "express_written");

        var said = Said(await _twilio.TwimlAsync($"/twilio/voice/{id}", new() { ["CallSid"] = sid }));

        Assert.Contains("Acme Outdoor Supply", said[0]);
        Assert.StartsWith("Press 9", said[1]);
        Assert.Equal("This call is to sell you outdoor gear and camping equipment.", said[2]);
        Assert.Contains("twenty percent off tents", said[3]);
    }

    [Fact]
    public async Task Call_AnsweringMachine_GetsVoicemailWithIdentityCallbackAndOptOutNumber()
    {
        var (id, sid) = await PlaceAsync(ApiHelpers.OrderUpdate(Phone));

        var twiml = await _twilio.TwimlAsync($"/twilio/voice/{id}",
            new() { ["CallSid"] = sid, ["AnsweredBy"] = "machine_end_beep" });

        AssertValidTwiml(twiml);
        Assert.Null(twiml.Element("Gather"));
        Assert.Equal("Hello, this is an automated message from Acme Outdoor Supply.", Said(twiml)[0]);
        var message = string.Join(" ", Said(twiml));
        Assert.DoesNotContain("sell", message);
        Assert.Contains("8 0 0, 5 5 5, 0 1 9 9", message);
        Assert.Contains("8 0 0, 5 5 5, 0 1 9 8", message);
        var (_, call) = await Acme.GetJsonAsync($"/v1/calls/{id}");
        Assert.Equal("machine_end_beep", (string?)call["answeredBy"]);
    }

    [Fact]
    public async Task InboundOptOutLine_ConfirmedByDigit_RevokesAndBlocksNextCall()
    {
        await Acme.GrantAsync(Phone, "transactional");
        var form = new Dictionary<string, string>
        {
            ["CallSid"] = "CAinbound0000000000000000000000001", ["From"] = Phone, ["To"] = "+18005550198"
        };

        var prompt = await _twilio.TwimlAsync("/twilio/inbound", form);

        AssertValidTwiml(prompt);
        var gather = prompt.Element("Gather")!;
        Assert.Contains("opt-out line of Acme Outdoor Supply", Said(gather)[0]);
        var action = new Uri((string)gather.Attribute("action")!);
        var confirm = await _twilio.TwimlAsync(action.PathAndQuery[(new Uri(VoiceProxyApplication.PublicBaseUrl)
            .AbsolutePath.Length)..],
            new Dictionary<string, string>(form) { ["Digits"] = "9" });

        Assert.Contains("You will not receive calls from Acme Outdoor Supply again", Said(confirm)[0]);
        var (status, problem) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal(["consent_revoked", "dnc_internal"], problem.ReasonCodes().Order());
        var (_, consent) = await Acme.GetJsonAsync($"/v1/consents/{ApiHelpers.Path(Phone)}");
        Assert.Equal("inbound-line", (string?)consent["history"]!.AsArray().Last()!["channel"]);
    }

    /// <summary>A variable is typed (twiml-templates/_variables.xml): TwiML, or any text, in an order number is refused
    /// before anything is decided or placed. (The renderer also escapes every value: the SDK writes text, never verbs.)
    /// </summary>
    [Fact]
    public async Task Variable_WithTwimlInside_RefusedWith400NamingTheVariable()
    {
        await Acme.GrantAsync(Phone, "transactional");
        var (status, problem) = await Acme.PostJsonAsync("/v1/calls", new
        {
            to = Phone, purpose = "transactional", template = "order-update",
            variables = new Dictionary<string, string> { ["orderNumber"] = "</Say><Dial>+19005550000</Dial><Say>" },
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("type reference", (string?)problem["errors"]!["variables.orderNumber"]![0]);
        Assert.Empty(App.CreateCallRequests);
    }

    [Fact]
    public async Task Gather_OtherDigit_RepeatsMessageOnceThenSaysGoodbye()
    {
        var (id, sid) = await PlaceAsync(ApiHelpers.OrderUpdate(Phone));

        var repeat = await _twilio.TwimlAsync($"/twilio/gather/{id}?attempt=0", new() { ["CallSid"] = sid, ["Digits"] = "5" });
        var end = await _twilio.TwimlAsync($"/twilio/gather/{id}?attempt=1", new() { ["CallSid"] = sid, ["Digits"] = "5" });

        Assert.Equal($"{VoiceProxyApplication.PublicBaseUrl}/twilio/gather/{id}?attempt=1",
            (string?)repeat.Element("Gather")!.Attribute("action"));
        Assert.Null(end.Element("Gather"));
        Assert.Equal(["Say", "Hangup"], end.Elements().Select(e => e.Name.LocalName));
        var (_, call) = await Acme.GetJsonAsync($"/v1/calls/{id}");
        Assert.False((bool)call["optedOut"]!);
    }

    [Fact]
    public async Task Voice_NumberPutOnListAfterPlacement_HangsUpWithoutAWord()
    {
        var (id, sid) = await PlaceAsync(ApiHelpers.OrderUpdate(Phone));
        await Acme.PostJsonAsync("/v1/dnc", new { phone = Phone, reason = "customer emailed while the phone rang" });

        var twiml = await _twilio.TwimlAsync($"/twilio/voice/{id}", new() { ["CallSid"] = sid });

        Assert.Equal(["Hangup"], twiml.Elements().Select(e => e.Name.LocalName));
        var (_, call) = await Acme.GetJsonAsync($"/v1/calls/{id}");
        Assert.Contains(call["events"]!.AsArray(), e => (string?)e!["type"] == "call.suppressed");
    }

    [Fact]
    public async Task Voice_UnknownCall_SafeHangup()
    {
        var twiml = await _twilio.TwimlAsync("/twilio/voice/no-such-call",
            new() { ["CallSid"] = "CA00000000000000000000000000000099" });
        Assert.Equal(["Hangup"], twiml.Elements().Select(e => e.Name.LocalName));
    }

    [Theory]
    [InlineData("voice")]
    [InlineData("gather")]
    [InlineData("status")]
    [InlineData("inbound")]
    [InlineData("inbound-confirm")]
    public async Task Webhook_ForgedOrMissingSignature_403AndNothingChanges(string hook)
    {
        var (id, sid) = await PlaceAsync(ApiHelpers.OrderUpdate(Phone));
        var path = hook switch
        {
            "voice" => $"/twilio/voice/{id}",
            "gather" => $"/twilio/gather/{id}?attempt=0",
            "status" => $"/twilio/status/{id}",
            "inbound" => "/twilio/inbound",
            _ => "/twilio/inbound/confirm?seller=acme",
        };
        var form = new Dictionary<string, string>
        {
            ["CallSid"] = sid, ["Digits"] = "9", ["CallStatus"] = "completed",
            ["SequenceNumber"] = "3", ["From"] = Phone, ["To"] = "+18005550198"
        };
        var eventsBefore = App.Query(db => db.CallEvents.Count());
        var forged = TwilioWebhookClient.Sign(VoiceProxyApplication.PublicBaseUrl + path, form, "someone-elses-token");
        var wrongUrl = TwilioWebhookClient.Sign("https://attacker.example" + path, form, VoiceProxyApplication.AuthToken);

        foreach (var signature in new[] { forged, wrongUrl, "" })
        {
            var (status, _) = await _twilio.PostAsync(path, form, signature);
            Assert.Equal(HttpStatusCode.Forbidden, status);
        }
        var tampered = new Dictionary<string, string>(form) { ["Digits"] = "1" };
        var (tamperedStatus, _) = await _twilio.PostAsync(path, tampered,
            TwilioWebhookClient.Sign(VoiceProxyApplication.PublicBaseUrl + path, form, VoiceProxyApplication.AuthToken));
        Assert.Equal(HttpStatusCode.Forbidden, tamperedStatus);

        Assert.Equal(eventsBefore, App.Query(db => db.CallEvents.Count()));
        var (_, call) = await Acme.GetJsonAsync($"/v1/calls/{id}");
        Assert.Equal("initiated", (string?)call["status"]);
        Assert.False((bool)call["optedOut"]!);
        Assert.Empty(App.Query(db => db.DncEntries.ToList()));
    }

    [Fact]
    public async Task StatusCallbacks_LateAndDuplicate_NeverOverwriteNewerStatus()
    {
        var (id, sid) = await PlaceAsync(ApiHelpers.OrderUpdate(Phone));
        Dictionary<string, string> Status(string status, int sequence, string? duration = null) => new()
        {
            ["CallSid"] = sid, ["CallStatus"] = status, ["SequenceNumber"] = sequence.ToString(CultureInfo.InvariantCulture),
            ["CallDuration"] = duration ?? "",
            ["AnsweredBy"] = "human", ["Timestamp"] = "Mon, 30 Nov 2026 18:00:00 +0000",
        };

        Assert.Equal(HttpStatusCode.NoContent,
            (await _twilio.PostAsync($"/twilio/status/{id}", Status("ringing", 1), idempotencyToken: "t1")).Status);
        await _twilio.PostAsync($"/twilio/status/{id}", Status("completed", 3, "42"), idempotencyToken: "t3");
        await _twilio.PostAsync($"/twilio/status/{id}", Status("in-progress", 2), idempotencyToken: "t2");
        await _twilio.PostAsync($"/twilio/status/{id}", Status("completed", 3, "42"), idempotencyToken: "t3");

        var (_, call) = await Acme.GetJsonAsync($"/v1/calls/{id}");
        Assert.Equal("completed", (string?)call["status"]);
        Assert.Equal(42, (int?)call["durationSeconds"]);
        Assert.Equal("human", (string?)call["answeredBy"]);
        Assert.Equal(["ringing", "completed", "in-progress"],
            call["events"]!.AsArray().Where(e => (string?)e!["type"] == "twilio.status")
                .Select(e => (string)e!["detail"]!["callStatus"]!));
    }

    [Fact]
    public async Task StatusCallback_ForCallWhoseCreateAnswerWasLost_LearnsTheSid()
    {
        await Acme.GrantAsync(Phone, "transactional");
        App.StubTwilioCreateCall(500, """{"code":20500,"message":"Internal Server Error","status":500}""");
        var (_, problem) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        var id = (string)problem["callId"]!;

        await _twilio.PostAsync($"/twilio/status/{id}",
            new() { ["CallSid"] = "CA11111111111111111111111111111111", ["CallStatus"] = "ringing", ["SequenceNumber"] = "0" });

        var (_, call) = await Acme.GetJsonAsync($"/v1/calls/{id}");
        Assert.Equal("CA11111111111111111111111111111111", (string?)call["twilioCallSid"]);
        Assert.Equal("ringing", (string?)call["status"]);
    }

    [Fact]
    public async Task Webhooks_ReplayedByTwilio_ChangeNothing()
    {
        var (id, sid) = await PlaceAsync(ApiHelpers.OrderUpdate(Phone));
        await _twilio.PostAsync($"/twilio/voice/{id}", new() { ["CallSid"] = sid }, idempotencyToken: "voice-1");
        await _twilio.PostAsync($"/twilio/gather/{id}?attempt=0", new() { ["CallSid"] = sid, ["Digits"] = "9" },
            idempotencyToken: "gather-1");
        var counts = App.Query(db => (db.CallEvents.Count(), db.Consents.Count(), db.DncEntries.Count(), db.AuditEvents.Count()));

        var (voiceStatus, voice) = await _twilio.PostAsync($"/twilio/voice/{id}", new() { ["CallSid"] = sid },
            idempotencyToken: "voice-1");
        var (gatherStatus, gather) = await _twilio.PostAsync($"/twilio/gather/{id}?attempt=0",
            new() { ["CallSid"] = sid, ["Digits"] = "9" }, idempotencyToken: "gather-1");
        var pressedAgain = await _twilio.TwimlAsync($"/twilio/gather/{id}?attempt=0",
            new() { ["CallSid"] = sid, ["Digits"] = "9" });

        Assert.Equal(HttpStatusCode.OK, voiceStatus);
        Assert.Equal(HttpStatusCode.OK, gatherStatus);
        Assert.Contains("You will not receive calls", gather);
        Assert.Contains("You will not receive calls", Said(pressedAgain)[0]);
        var after = App.Query(db => (db.CallEvents.Count(), db.Consents.Count(), db.DncEntries.Count(), db.AuditEvents.Count()));
        Assert.Equal((counts.Item2, counts.Item3), (after.Item2, after.Item3));
        // The third press, without a token, is the same signed request again: a copy, so nothing is recorded for it either.
        Assert.Equal(counts.Item1, after.Item1);
        Assert.Equal("Response", XElement.Parse(voice).Name.LocalName);
    }

    [Theory]
    [InlineData(201, HttpStatusCode.Created)]
    // Twilio's answer failed, but its callback proves the call exists: never "nothing was placed"
    [InlineData(500, HttpStatusCode.Created)]
    public async Task StatusCallback_ArrivingBeforeTwilioAnswersTheCreate_IsNotOverwritten(int twilioStatus,
        HttpStatusCode expected)
    {
        await Acme.GrantAsync(Phone, "transactional");
        App.Twilio.Reset();
        App.StubLookup("mobile", "no");
        App.Twilio.Given(WireMock.RequestBuilders.Request.Create()
            .WithPath($"/2010-04-01/Accounts/{VoiceProxyApplication.AccountSid}/Calls.json").UsingPost())
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithDelay(TimeSpan.FromSeconds(2))
                .WithStatusCode(twilioStatus)
                .WithHeader("Content-Type", "application/json").WithBody(twilioStatus == 201
                    ? """{"sid":"CA22222222222222222222222222222222","status":"queued"}"""
                    : """{"code":20500,"message":"Internal Server Error","status":500}"""));

        var placing = Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        string? id = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(10); id is null && DateTime.UtcNow < deadline; await Task.Delay(20))
            id = App.Query(db => db.Calls.Select(c => c.Id).FirstOrDefault());
        Assert.NotNull(id);
        await _twilio.PostAsync($"/twilio/status/{id}", new()
        {
            ["CallSid"] = "CA22222222222222222222222222222222", ["CallStatus"] = "ringing", ["SequenceNumber"] = "1",
        });
        var (status, call) = await placing;

        Assert.Equal(expected, status);
        Assert.Equal("ringing", (string?)call["status"]);
        Assert.Equal("CA22222222222222222222222222222222", (string?)call["twilioCallSid"]);
    }

    [Fact]
    public async Task StatusCallbacks_ManyAtOnceInAnyOrder_NewestWins()
    {
        var (id, sid) = await PlaceAsync(ApiHelpers.OrderUpdate(Phone));
        var statuses = new[] { "initiated", "ringing", "in-progress" };
        var deliveries = Enumerable.Range(0, 24).OrderBy(i => (i * 7) % 24)
            .Select(i => _twilio.PostAsync($"/twilio/status/{id}", new()
            {
                ["CallSid"] = sid, ["SequenceNumber"] = i.ToString(CultureInfo.InvariantCulture),
                ["CallStatus"] = i == 23 ? "completed" : statuses[i % 3],
                ["CallDuration"] = i == 23 ? "61" : "",
            }, idempotencyToken: $"delivery-{i}"));

        await Task.WhenAll(deliveries);

        var (_, call) = await Acme.GetJsonAsync($"/v1/calls/{id}");
        Assert.Equal("completed", (string?)call["status"]);
        Assert.Equal(61, (int?)call["durationSeconds"]);
        Assert.Equal(23, App.Query(db => db.Calls.Single().LastSequenceNumber));
        Assert.Equal(24, call["events"]!.AsArray().Count(e => (string?)e!["type"] == "twilio.status"));
    }
}
