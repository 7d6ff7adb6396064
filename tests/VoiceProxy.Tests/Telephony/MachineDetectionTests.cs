using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Web;
using System.Xml.Linq;

namespace VoiceProxy.Tests.Telephony;

/// <summary>Asynchronous answering-machine detection (issue 14, items 5 and 9), through signed webhooks with WireMock as
/// Twilio: the message starts at once, a machine is redirected to the voicemail after the beep with Twilio's call update
/// API, and the wait for the first word is measured.</summary>
public sealed class MachineDetectionTests : ApplicationTests
{
    private const string OptOutLine = "8 0 0, 5 5 5, 0 1 9 8";
    private readonly TwilioWebhookClient _twilio;

    public MachineDetectionTests() => _twilio = new TwilioWebhookClient(App.CreateClient());

    private async Task<(string Id, string Sid)> PlaceAsync(object request, string scope = "transactional",
        string kind = "express")
    {
        await Acme.GrantAsync(Phone, scope, kind);
        var (status, call) = await Acme.PostJsonAsync("/v1/calls", request);
        Assert.Equal(HttpStatusCode.Created, status);
        return ((string)call["id"]!, (string)call["twilioCallSid"]!);
    }

    private static List<string> Said(XElement twiml) => twiml.Descendants("Say").Select(s => s.Value).ToList();

    /// <summary>The request schema of one operation, from the extracts of Twilio's OpenAPI description kept with the tests
    /// (TestData, MIT as the original).</summary>
    private static JsonElement Schema(string file)
    {
        using var extract = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", file)));
        return extract.RootElement.GetProperty("schema").Clone();
    }

    private static void AssertFitsSchema(System.Collections.Specialized.NameValueCollection form, JsonElement schema)
    {
        var properties = schema.GetProperty("properties");
        foreach (var key in form.AllKeys)
        {
            Assert.True(properties.TryGetProperty(key!, out var property), $"{key} is not in Twilio's schema");
            if (property.TryGetProperty("enum", out var values))
                Assert.Contains(form[key], values.EnumerateArray().Select(v => v.GetString()));
            if (property.TryGetProperty("format", out var format) && format.GetString() == "uri")
                Assert.True(Uri.IsWellFormedUriString(form[key], UriKind.Absolute), $"{key} is not an absolute URI");
        }
    }

    [Fact]
    public async Task CreateCall_AsksForAsynchronousDetectionWithSignedCallback_ParametersInTwilioSchema()
    {
        var (id, _) = await PlaceAsync(ApiHelpers.OrderUpdate(Phone));

        var form = HttpUtility.ParseQueryString(Assert.Single(App.CreateCallRequests).RequestMessage.Body!);
        Assert.Equal("true", form["AsyncAmd"]);
        Assert.Equal($"{VoiceProxyApplication.PublicBaseUrl}/twilio/amd/{id}", form["AsyncAmdStatusCallback"]);
        Assert.Equal("POST", form["AsyncAmdStatusCallbackMethod"]);
        Assert.Equal("DetectMessageEnd", form["MachineDetection"]);
        AssertFitsSchema(form, Schema("twilio-create-call.json"));
    }

    [Fact]
    public async Task Machine_AsyncResultAfterTheBeep_RedirectedToVoicemailOnceThroughCallUpdate()
    {
        var (id, sid) = await PlaceAsync(ApiHelpers.OrderUpdate(Phone));
        // Twilio asks for the message at once, before detection has decided: no AnsweredBy.
        var message = await _twilio.TwimlAsync($"/twilio/voice/{id}", new() { ["CallSid"] = sid });
        Assert.StartsWith("Hello, this is an automated call from Acme Outdoor Supply.", Said(message)[0]);
        var amd = new Dictionary<string, string>
        {
            ["CallSid"] = sid, ["AnsweredBy"] = "machine_end_beep", ["MachineDetectionDuration"] = "4210",
        };

        var (status, _) = await _twilio.PostAsync($"/twilio/amd/{id}", amd);
        var (again, _) = await _twilio.PostAsync($"/twilio/amd/{id}", amd, idempotencyToken: "a-fresh-token");

        Assert.Equal(HttpStatusCode.NoContent, status);
        Assert.Equal(HttpStatusCode.NoContent, again);
        var update = Assert.Single(App.UpdateCallRequests);
        Assert.EndsWith($"/Calls/{sid}.json", update.RequestMessage.Path);
        var form = HttpUtility.ParseQueryString(update.RequestMessage.Body!);
        Assert.Equal($"{VoiceProxyApplication.PublicBaseUrl}/twilio/voicemail/{id}", form["Url"]);
        Assert.Equal("POST", form["Method"]);
        AssertFitsSchema(form, Schema("twilio-update-call.json"));

        var voicemail = await _twilio.TwimlAsync($"/twilio/voicemail/{id}", new() { ["CallSid"] = sid });

        Assert.Null(voicemail.Element("Gather"));
        Assert.Equal("Hello, this is an automated message from Acme Outdoor Supply.", Said(voicemail)[0]);
        Assert.Contains(OptOutLine, string.Join(" ", Said(voicemail)));
        var (_, call) = await Acme.GetJsonAsync($"/v1/calls/{id}");
        Assert.Equal("machine_end_beep", (string?)call["answeredBy"]);
        var types = call["events"]!.AsArray().Select(e => (string)e!["type"]!).ToList();
        Assert.Single(types, t => t == "twilio.amd");
        Assert.Contains("twilio.update", types);
        Assert.Contains("twilio.voicemail", types);
        Assert.Equal(2, types.Count(t => t == "message.rendered"));
    }

    [Theory]
    [InlineData("human", null)]
    [InlineData("unknown", null)]
    [InlineData("fax", "completed")]
    public async Task Amd_PersonUnknownOrFax_MessageGoesOnOrFaxIsHungUp(string answeredBy, string? update)
    {
        var (id, sid) = await PlaceAsync(ApiHelpers.OrderUpdate(Phone));
        await _twilio.TwimlAsync($"/twilio/voice/{id}", new() { ["CallSid"] = sid });

        var (status, _) = await _twilio.PostAsync($"/twilio/amd/{id}",
            new() { ["CallSid"] = sid, ["AnsweredBy"] = answeredBy });

        Assert.Equal(HttpStatusCode.NoContent, status);
        if (update is null)
        {
            Assert.Empty(App.UpdateCallRequests);
            return;
        }
        var form = HttpUtility.ParseQueryString(Assert.Single(App.UpdateCallRequests).RequestMessage.Body!);
        Assert.Equal(update, form["Status"]);
        AssertFitsSchema(form, Schema("twilio-update-call.json"));
    }

    [Fact]
    public async Task Amd_CustomerAlreadyOptedOut_NoRedirect()
    {
        var (id, sid) = await PlaceAsync(ApiHelpers.OrderUpdate(Phone));
        await _twilio.TwimlAsync($"/twilio/voice/{id}", new() { ["CallSid"] = sid });
        await _twilio.TwimlAsync($"/twilio/gather/{id}?attempt=0", new() { ["CallSid"] = sid, ["Digits"] = "9" });

        await _twilio.PostAsync($"/twilio/amd/{id}", new() { ["CallSid"] = sid, ["AnsweredBy"] = "machine_end_beep" });

        Assert.Empty(App.UpdateCallRequests);
    }

    [Theory]
    [InlineData("webhook without a signature", "/twilio/amd/")]
    [InlineData("webhook without a signature", "/twilio/voicemail/")]
    public async Task NewWebhooks_ForgedSignature_403AndNothingSent(string _, string path)
    {
        var (id, sid) = await PlaceAsync(ApiHelpers.OrderUpdate(Phone));

        var (status, _) = await _twilio.PostAsync(path + id,
            new() { ["CallSid"] = sid, ["AnsweredBy"] = "machine_end_beep" }, signature: "Zm9yZ2VkLXNpZ25hdHVyZQ==");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Empty(App.UpdateCallRequests);
        var (_, call) = await Acme.GetJsonAsync($"/v1/calls/{id}");
        Assert.DoesNotContain(call["events"]!.AsArray(),
            e => ((string)e!["type"]!).StartsWith("twilio.", StringComparison.Ordinal) && (string)e["type"]! != "twilio.create");
    }

    /// <summary>47 CFR 64.1200(b)(3): when the listener may be a machine (unknown, or not known yet under asynchronous
    /// detection), the message also gives the toll-free opt-out line; a person known to have answered does not need it.
    /// </summary>
    [Theory]
    [InlineData("unknown", "en-US", "automated opt-out line, toll-free, at " + OptOutLine)]
    [InlineData(null, "en-US", "automated opt-out line, toll-free, at " + OptOutLine)]
    [InlineData("unknown", "es-US", "línea automática al " + OptOutLine)]
    [InlineData("human", "en-US", null)]
    public async Task Voice_ListenerMayBeAMachine_MessageAlsoGivesTheTollFreeOptOutLine(
        string? answeredBy, string language, string? line)
    {
        var (id, sid) = await PlaceAsync(new
        {
            to = Phone, purpose = "transactional", template = "order-update", language,
            variables = new Dictionary<string, string> { ["orderNumber"] = "A-1001" },
        });
        var form = new Dictionary<string, string> { ["CallSid"] = sid };
        if (answeredBy is not null) form["AnsweredBy"] = answeredBy;

        var said = Said((await _twilio.TwimlAsync($"/twilio/voice/{id}", form)).Element("Gather")!);

        if (line is null) Assert.DoesNotContain(said, s => s.Contains(OptOutLine, StringComparison.Ordinal));
        else Assert.Contains(line, said[^1]);
    }

    /// <summary>16 CFR 310.4(d): a marketing voicemail says what is sold, right after who is calling.</summary>
    [Theory]
    [InlineData("en-US", "This call is to sell you outdoor gear and camping equipment.")]
    [InlineData("es-US", "Esta llamada es para venderle equipo para actividades al aire libre y campamento.")]
    public async Task MarketingVoicemail_StatesWhatIsSoldAfterTheIdentity(string language, string sales)
    {
        App.ImportRegistry("national", App.Today);
        var (id, sid) = await PlaceAsync(new
        {
            to = Phone, purpose = "marketing", template = "marketing", language,
            variables = new Dictionary<string, string> { ["offer"] = "twenty percent off tents" },
        }, "marketing", "express_written");
        await _twilio.TwimlAsync($"/twilio/voice/{id}", new() { ["CallSid"] = sid });
        await _twilio.PostAsync($"/twilio/amd/{id}", new() { ["CallSid"] = sid, ["AnsweredBy"] = "machine_end_silence" });

        var said = Said(await _twilio.TwimlAsync($"/twilio/voicemail/{id}", new() { ["CallSid"] = sid }));

        Assert.Contains("Acme Outdoor Supply", said[0]);
        Assert.Equal(sales, said[1]);
        Assert.Contains(OptOutLine, said[2]);
    }

    /// <summary>How long each person waited for the first word, from the answer (the in-progress callback's Timestamp) to
    /// the voice webhook's TwiML; the figures give the share over 2 s.</summary>
    [Fact]
    public async Task FirstWord_WaitPerCall_FiguresShowShareOverTwoSeconds()
    {
        using var supervisor = App.ClientWithKey(VoiceProxyApplication.SupervisorKey);
        await Acme.GrantAsync(Phone, "transactional");
        foreach (var wait in new[] { 0.4, 2.5, 1.9 })
        {
            var (_, placed) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
            var (id, sid) = ((string)placed["id"]!, (string)placed["twilioCallSid"]!);
            var answered = App.Time.GetUtcNow();
            App.Time.Advance(TimeSpan.FromSeconds(wait));
            await _twilio.TwimlAsync($"/twilio/voice/{id}", new() { ["CallSid"] = sid });
            // The callback arrives after the message has started; its Timestamp says when the call was answered.
            await _twilio.PostAsync($"/twilio/status/{id}", new()
            {
                ["CallSid"] = sid, ["CallStatus"] = "in-progress", ["SequenceNumber"] = "2",
                ["Timestamp"] = answered.ToString("r", CultureInfo.InvariantCulture),
            });
            // Twilio's Timestamp has whole seconds: the next answer falls on one.
            App.Time.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromSeconds(wait));
        }

        var (status, figures) = await supervisor.GetJsonAsync("/v1/calls/figures");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, (int)figures["firstWord"]!["measured"]!);
        Assert.Equal(1, (int)figures["firstWord"]!["overTwoSeconds"]!);
        Assert.Equal(0.3333, (double)figures["firstWord"]!["shareOverTwoSeconds"]!);
    }
}
