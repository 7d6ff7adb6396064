using System.Net;
using Microsoft.EntityFrameworkCore;

namespace VoiceProxy.Tests.Telephony;

/// <summary>Opt-out by any reasonable means (FCC 24-24; issue 14, item 7), through signed webhooks: every phrase in each
/// language, and the opt-out line called from a withheld number.</summary>
public sealed class OptOutPhraseTests(SharedApplication shared) : ApplicationTests(shared), IClassFixture<SharedApplication>
{
    private readonly TwilioWebhookClient _twilio = new(shared.App.CreateClient());
    private static int Next;

    [Theory]
    [InlineData("en-US", "I want to opt out")]
    [InlineData("en-US", "Opt-out please")]
    [InlineData("en-US", "unsubscribe")]
    [InlineData("en-US", "Take me off your list")]
    [InlineData("en-US", "remove me")]
    [InlineData("en-US", "No more calls!")]
    [InlineData("en-US", "Don't call me again")]
    [InlineData("en-US", "dont call")]
    [InlineData("en-US", "please do not call")]
    [InlineData("en-US", "Stop.")]
    [InlineData("en-US", "quit")]
    [InlineData("en-US", "I revoke my consent")]
    [InlineData("fr-CA", "Arrêtez!")]
    [InlineData("fr-CA", "Ne m'appelez plus, s'il vous plaît")]
    [InlineData("fr-CA", "retirez-moi de votre liste")]
    [InlineData("fr-CA", "je veux me désabonner")]
    [InlineData("es-US", "Quiero darme de baja")]
    [InlineData("es-US", "cancelar la suscripción")]
    [InlineData("es-US", "Quítenme de la lista")]
    [InlineData("es-US", "quitenme")]
    [InlineData("es-US", "Sáquenme de su lista")]
    [InlineData("es-US", "elimínenme")]
    [InlineData("es-US", "No más llamadas")]
    [InlineData("es-US", "¡No me llamen!")]
    [InlineData("es-US", "Alto")]
    [InlineData("es-US", "basta")]
    [InlineData("es-US", "Dejen de llamar")]
    [InlineData("es-US", "quiero salir")]
    [InlineData("es-US", "Revoco mi consentimiento")]
    public async Task Gather_PhraseInTheCallsLanguage_OptsOut(string language, string speech) =>
        Assert.True(await SaysAsync(language, speech));

    /// <summary>Phrases match whole words: an answer that merely contains the letters is not an opt-out.</summary>
    [Theory]
    [InlineData("en-US", "my stopwatch broke")]
    [InlineData("en-US", "quite alright, thanks")]
    [InlineData("es-US", "saltar al siguiente")]
    [InlineData("fr-CA", "je suis à l'arrêt d'autobus")]
    public async Task Gather_WordsThatOnlyContainAPhrase_NoOptOut(string language, string speech) =>
        Assert.False(await SaysAsync(language, speech));

    /// <summary>Places a call to a number of its own, answers, says <paramref name="speech"/>; whether the call opted
    /// out.</summary>
    private async Task<bool> SaysAsync(string language, string speech)
    {
        var phone = $"+1415555{Interlocked.Increment(ref Next) + 2000:D4}";
        await Acme.GrantAsync(phone, "transactional");
        var (status, call) = await Acme.PostJsonAsync("/v1/calls", new
        {
            to = phone, purpose = "transactional", template = "order-update", language,
            variables = new Dictionary<string, string> { ["orderNumber"] = "A-1001" },
        });
        Assert.Equal(HttpStatusCode.Created, status);
        var (id, sid) = ((string)call["id"]!, (string)call["twilioCallSid"]!);
        await _twilio.TwimlAsync($"/twilio/voice/{id}", new() { ["CallSid"] = sid, ["AnsweredBy"] = "human" });

        await _twilio.TwimlAsync($"/twilio/gather/{id}?attempt=0", new() { ["CallSid"] = sid, ["SpeechResult"] = speech });

        var (_, record) = await Acme.GetJsonAsync($"/v1/calls/{id}");
        return (bool)record["optedOut"]!;
    }

    /// <summary>A withheld number (Twilio's placeholders for anonymous, restricted and unknown callers, or none) cannot be
    /// put on the list: the caller is told so and how else to opt out, and the attempt is recorded once per delivery.
    /// </summary>
    [Theory]
    [InlineData("+266696687", "en-US", "Your number was withheld, so we could not capture it")]
    [InlineData("anonymous", "en-US", "call us at 8 0 0, 5 5 5, 0 1 9 9, or press 9 during any call from us")]
    [InlineData("+86282452253", "es-US", "Su número está oculto, así que no pudimos registrarlo")]
    [InlineData("", "es-US", "marque 9 durante cualquier llamada nuestra")]
    public async Task InboundLine_WithheldNumber_ToldItCouldNotBeCapturedAndAttemptRecorded(
        string from, string language, string expected)
    {
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:Sellers:0:DefaultLanguage"] = language });
        var twilio = new TwilioWebhookClient(app.CreateClient());
        var form = new Dictionary<string, string>
        {
            ["CallSid"] = "CAinbound0000000000000000000000077", ["From"] = from, ["To"] = "+18005550198",
        };

        var twiml = await twilio.TwimlAsync("/twilio/inbound", form);
        await twilio.PostAsync("/twilio/inbound", form, idempotencyToken: "another-token");

        Assert.Null(twiml.Element("Gather"));
        Assert.Contains(expected, string.Concat(twiml.Descendants("Say").Select(s => s.Value)));
        Assert.Equal("Hangup", twiml.Elements().Last().Name.LocalName);
        var attempts = app.Query(db => db.AuditEvents.AsNoTracking()
            .Where(e => e.Type == "optout.anonymous_attempt").ToList());
        var attempt = Assert.Single(attempts);
        Assert.Contains("CAinbound0000000000000000000000077", attempt.PayloadJson);
        Assert.Equal(0, app.Query(db => db.DncEntries.Count()));
    }
}
