using System.Net;
using System.Xml.Linq;
using Twilio.Security;

namespace VoiceProxy.Tests.Telephony;

/// <summary>Twilio's signature has no timestamp and does not cover I-Twilio-Idempotency-Token: a captured webhook sent again
/// with a fresh token must change nothing, and the speaking webhooks of a call that has ended must change nothing either.
/// Repeated form names are signed the way Twilio signs them.</summary>
public sealed class WebhookReplayTests : ApplicationTests
{
    private readonly TwilioWebhookClient _twilio;

    public WebhookReplayTests() => _twilio = new TwilioWebhookClient(App.CreateClient());

    private async Task<(string Id, string Sid)> PlaceAsync()
    {
        await Acme.GrantAsync(Phone, "transactional");
        var (status, call) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        Assert.Equal(HttpStatusCode.Created, status);
        return ((string)call["id"]!, (string)call["twilioCallSid"]!);
    }

    private (int Events, int Consents, int Dnc, int Audit) Counts() =>
        App.Query(db => (db.CallEvents.Count(), db.Consents.Count(), db.DncEntries.Count(), db.AuditEvents.Count()));

    private static List<string> Elements(string twiml) => XElement.Parse(twiml).Elements().Select(e => e.Name.LocalName).ToList();

    [Theory]
    [InlineData("voice")]
    [InlineData("gather-opt-out")]
    [InlineData("status")]
    public async Task CallWebhook_ReplayedWithFreshIdempotencyToken_ChangesNothing(string hook)
    {
        var (id, sid) = await PlaceAsync();
        var (path, form) = hook switch
        {
            "voice" => ($"/twilio/voice/{id}", new Dictionary<string, string> { ["CallSid"] = sid, ["AnsweredBy"] = "human" }),
            "gather-opt-out" => ($"/twilio/gather/{id}?attempt=0", new() { ["CallSid"] = sid, ["Digits"] = "9" }),
            _ => ($"/twilio/status/{id}", new() { ["CallSid"] = sid, ["CallStatus"] = "ringing", ["SequenceNumber"] = "1" }),
        };
        var (firstStatus, first) = await _twilio.PostAsync(path, form, idempotencyToken: "twilio-token-1");
        var before = Counts();

        var (status, body) = await _twilio.PostAsync(path, form, idempotencyToken: "attacker-token-2");
        var (bareStatus, _) = await _twilio.PostAsync(path, form);

        Assert.Equal(firstStatus, status);
        Assert.Equal(firstStatus, bareStatus);
        Assert.Equal(before, Counts());
        if (hook != "status") Assert.Equal(Elements(first), Elements(body));
        var (_, call) = await Acme.GetJsonAsync($"/v1/calls/{id}");
        Assert.Single(call["events"]!.AsArray(), e => (string?)e!["type"] == $"twilio.{hook.Split('-')[0]}");
    }

    [Fact]
    public async Task InboundOptOutConfirmation_ReplayedWithFreshIdempotencyToken_NoNewRevocationOrDncRows()
    {
        var form = new Dictionary<string, string>
        {
            ["CallSid"] = "CAinbound0000000000000000000000007", ["From"] = Phone, ["To"] = "+18005550198", ["Digits"] = "9",
        };
        const string path = "/twilio/inbound/confirm?seller=acme";
        var first = await _twilio.PostAsync(path, form, idempotencyToken: "twilio-token-1");
        var before = Counts();

        var replays = new[] { "attacker-token-2", "attacker-token-3", null };
        var answers = new List<(HttpStatusCode, string)>();
        foreach (var token in replays) answers.Add(await _twilio.PostAsync(path, form, idempotencyToken: token));

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Contains("You will not receive calls from Acme Outdoor Supply again", first.Body);
        Assert.All(answers, a => Assert.Equal(first, a));
        Assert.Equal((1, 1), (before.Consents, before.Dnc));
        Assert.Equal(before, Counts());
    }

    [Theory]
    [InlineData("completed")]
    [InlineData("no-answer")]
    public async Task SpeakingWebhook_ForCallThatHasEnded_HangsUpAndChangesNothing(string finalStatus)
    {
        var (id, sid) = await PlaceAsync();
        await _twilio.PostAsync($"/twilio/status/{id}",
            new() { ["CallSid"] = sid, ["CallStatus"] = finalStatus, ["SequenceNumber"] = "3" });
        var before = Counts();

        var (voiceStatus, voice) = await _twilio.PostAsync($"/twilio/voice/{id}",
            new() { ["CallSid"] = sid, ["AnsweredBy"] = "human" }, idempotencyToken: "never-seen-1");
        var (gatherStatus, gather) = await _twilio.PostAsync($"/twilio/gather/{id}?attempt=0",
            new() { ["CallSid"] = sid, ["Digits"] = "9" }, idempotencyToken: "never-seen-2");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (voiceStatus, gatherStatus));
        Assert.Equal(["Hangup"], Elements(voice));
        Assert.Equal(["Hangup"], Elements(gather));
        Assert.Equal(before, Counts());
        var (_, call) = await Acme.GetJsonAsync($"/v1/calls/{id}");
        Assert.False((bool)call["optedOut"]!);
        Assert.Equal(finalStatus, (string?)call["status"]);
        Assert.DoesNotContain(call["events"]!.AsArray(), e => (string?)e!["type"] == "message.rendered");
    }

    /// <summary>Twilio's own SDK checks the signed text: a repeated name contributes name+value once per value, values in
    /// ordinal order, which the SDK's validator accepts when given the same text as one field.</summary>
    [Fact]
    public void Sign_RepeatedNames_SignsEachValueAfterItsNameInOrder()
    {
        const string url = VoiceProxyApplication.PublicBaseUrl + "/twilio/status/abc";
        KeyValuePair<string, string>[] fields = [new("Tag", "b"), new("CallSid", "CA1"), new("Tag", "a")];

        var signature = TwilioWebhookClient.Sign(url, fields, VoiceProxyApplication.AuthToken);

        var sameText = new Dictionary<string, string> { ["CallSid"] = "CA1", ["Tag"] = "aTagb" };
        Assert.True(new RequestValidator(VoiceProxyApplication.AuthToken).Validate(url, sameText, signature));
    }

    [Fact]
    public async Task Webhook_RepeatedFormNames_AcceptedWhenSignedAsTwilioSignsAndRefusedWhenTampered()
    {
        var (id, sid) = await PlaceAsync();
        var path = $"/twilio/status/{id}";
        var url = VoiceProxyApplication.PublicBaseUrl + path;
        KeyValuePair<string, string>[] fields =
        [
            new("CallSid", sid), new("CallStatus", "ringing"), new("SequenceNumber", "1"),
            new("Tag", "second"), new("Tag", "first"),
        ];
        var signature = TwilioWebhookClient.Sign(url, fields, VoiceProxyApplication.AuthToken);
        KeyValuePair<string, string>[] tampered = [.. fields[..4], new("Tag", "forged")];
        // What the Twilio SDK's NameValueCollection overload and the old filter check: repeated values joined by commas.
        var commaJoined = TwilioWebhookClient.Sign(url, [.. fields[..3], new("Tag", "second,first")],
            VoiceProxyApplication.AuthToken);

        var (tamperedStatus, _) = await _twilio.PostFieldsAsync(path, tampered, signature);
        var (commaStatus, _) = await _twilio.PostFieldsAsync(path, fields, commaJoined);
        var (status, _) = await _twilio.PostFieldsAsync(path, fields, signature);
        var (reorderedStatus, _) = await _twilio.PostFieldsAsync(path, [.. fields.Reverse()], signature);

        Assert.Equal(HttpStatusCode.Forbidden, tamperedStatus);
        Assert.Equal(HttpStatusCode.Forbidden, commaStatus);
        Assert.Equal(HttpStatusCode.NoContent, status);
        Assert.Equal(HttpStatusCode.NoContent, reorderedStatus);
        var (_, call) = await Acme.GetJsonAsync($"/v1/calls/{id}");
        Assert.Equal("ringing", (string?)call["status"]);
        Assert.Single(call["events"]!.AsArray(), e => (string?)e!["type"] == "twilio.status");
    }

    [Fact]
    public void Startup_LiveModeWithPlainHttpPublicBaseUrl_Refused()
    {
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:PublicBaseUrl"] = "http://voiceproxy.example.com" });

        var error = Assert.ThrowsAny<Exception>(app.CreateClient);

        var message = error.GetBaseException().Message;
        Assert.Contains("VoiceProxy:PublicBaseUrl must be an https URL in Live mode", message);
        Assert.DoesNotContain('\n', message.Trim());
    }
}
