using System.Net;

namespace VoiceProxy.Tests.Telephony;

/// <summary>The time rules are applied again when the call is answered (issue 14, item 4): a call that rang past the
/// window's end is hung up without a word and recorded as suppressed, through signed webhooks.</summary>
public sealed class AnsweredLateTests
{
    /// <summary>Placed a minute or two before the window closes; answered just before, or just after.</summary>
    [Theory]
    // 21:00 in California, federal and state (Monday 30 November 2026, 20:59 PST is 04:59 UTC).
    [InlineData("+14155550123", "transactional", "2026-12-01T04:59:00Z", 61, "outside_calling_hours")]
    [InlineData("+14155550123", "transactional", "2026-12-01T04:59:00Z", 59, null)]
    // Florida's 20:00 for marketing (Fla. Stat. 501.616(6)(a)): 19:59 EST is 00:59 UTC.
    [InlineData("+13055550123", "marketing", "2026-12-01T00:59:00Z", 61, "outside_calling_hours")]
    [InlineData("+13055550123", "marketing", "2026-12-01T00:59:00Z", 59, null)]
    public async Task Voice_AnsweredAfterTheWindowCloses_HangsUpWithoutAWordAndRecordsWhy(
        string phone, string purpose, string placedAt, int ringSeconds, string? code)
    {
        using var app = new VoiceProxyApplication(
            now: DateTimeOffset.Parse(placedAt, System.Globalization.CultureInfo.InvariantCulture));
        using var acme = app.Acme();
        var twilio = new TwilioWebhookClient(app.CreateClient());
        var marketing = purpose == "marketing";
        if (marketing)
        {
            app.ImportRegistry("national", app.Today);
            app.ImportRegistry("state:FL", app.Today);
        }
        await acme.GrantAsync(phone, purpose, marketing ? "express_written" : "express");
        var (status, placed) = await acme.PostJsonAsync("/v1/calls",
            marketing ? ApiHelpers.Offer(phone) : ApiHelpers.OrderUpdate(phone));
        Assert.Equal(HttpStatusCode.Created, status);
        var (id, sid) = ((string)placed["id"]!, (string)placed["twilioCallSid"]!);
        app.Time.Advance(TimeSpan.FromSeconds(ringSeconds));

        var twiml = await twilio.TwimlAsync($"/twilio/voice/{id}", new() { ["CallSid"] = sid });

        var (_, call) = await acme.GetJsonAsync($"/v1/calls/{id}");
        var suppressed = call["events"]!.AsArray().SingleOrDefault(e => (string?)e!["type"] == "call.suppressed");
        if (code is null)
        {
            Assert.NotEmpty(twiml.Descendants("Say"));
            Assert.Null(suppressed);
            return;
        }
        Assert.Equal(["Hangup"], twiml.Elements().Select(e => e.Name.LocalName));
        Assert.NotNull(suppressed);
        Assert.Equal([code], suppressed["detail"]!["reasons"]!.AsArray().Select(r => (string)r!));
        Assert.Contains("no longer allow", (string?)suppressed["detail"]!["why"]);
        Assert.DoesNotContain(call["events"]!.AsArray(), e => (string?)e!["type"] == "message.rendered");
    }
}
