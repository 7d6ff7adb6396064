using System.Net;
using System.Xml.Linq;

namespace VoiceProxy.Tests.Telephony;

/// <summary>A call to a Canadian number, in Canadian French, through signed webhooks: the frame's order (identity, opt-out
/// instruction, then the mailing address and number the CRTC's Part IV asks for), the opt-out by keypress and by French
/// speech, the voicemail, and the jurisdiction on the call, the list and the export. Monday 2026-11-30 18:00Z is 13:00 in
/// Montreal.</summary>
public sealed class CanadaInCallTests : ApplicationTests
{
    private const string Montreal = "+15145550123";
    private const string Address = "1 Place Ville Marie, Montréal QC H3B 2B6";
    private readonly TwilioWebhookClient _twilio;

    public CanadaInCallTests() : base(new Dictionary<string, string?> { ["VoiceProxy:Sellers:0:MailingAddress"] = Address }) =>
        _twilio = new TwilioWebhookClient(App.CreateClient());

    private static object French(string to, string template = "order-update") => new
    {
        to, purpose = template == "marketing" ? "marketing" : "transactional", template, language = "fr-CA",
        variables = template == "marketing"
            ? new Dictionary<string, string> { ["offer"] = "vingt pour cent sur les tentes" }
            : new Dictionary<string, string> { ["orderNumber"] = "A-1001" },
    };

    private async Task<(string Id, string Sid)> PlaceAsync(object request, string scope = "transactional")
    {
        await Acme.GrantAsync(Montreal, scope);
        var (status, call) = await Acme.PostJsonAsync("/v1/calls", request);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("CA", (string?)call["decision"]!["jurisdiction"]);
        return ((string)call["id"]!, (string)call["twilioCallSid"]!);
    }

    private static List<string> Said(XElement twiml) => twiml.Descendants("Say").Select(s => s.Value).ToList();

    [Fact]
    public async Task Call_FrenchAnsweredAndOptedOutByKeypress_FrameOrderThenBlocked()
    {
        var (id, sid) = await PlaceAsync(French(Montreal));

        var twiml = await _twilio.TwimlAsync($"/twilio/voice/{id}", new() { ["CallSid"] = sid, ["AnsweredBy"] = "human" });

        var gather = twiml.Element("Gather")!;
        Assert.Equal("fr-CA", (string?)gather.Attribute("language"));
        Assert.Contains("arrêtez", (string?)gather.Attribute("hints"));
        var said = Said(gather);
        Assert.Equal("Bonjour, ceci est un appel automatisé de Acme Outdoor Supply.", said[0]);
        Assert.StartsWith("Appuyez sur 9 ou dites arrêtez", said[1]);
        Assert.Equal($"Notre adresse postale est {Address}, et vous pouvez nous joindre au 8 0 0, 5 5 5, 0 1 9 9.", said[2]);
        Assert.Contains("commande A-1001", said[3]);
        Assert.All(gather.Elements("Say"), s => Assert.Equal("fr-CA", (string?)s.Attribute("language")));

        var confirm = await _twilio.TwimlAsync($"/twilio/gather/{id}?attempt=0", new() { ["CallSid"] = sid, ["Digits"] = "9" });

        Assert.StartsWith("Vous ne recevrez plus d'appels de Acme Outdoor Supply", Said(confirm)[0]);
        var (_, consent) = await Acme.GetJsonAsync($"/v1/consents/{ApiHelpers.Path(Montreal)}");
        Assert.Equal("keypress", (string?)consent["history"]!.AsArray().Last()!["channel"]);
        var (status, problem) = await Acme.PostJsonAsync("/v1/calls", French(Montreal));
        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal(["consent_revoked", "dnc_internal"], problem.ReasonCodes().Order());
    }

    [Theory]
    [InlineData("Arrêtez, ne m'appelez plus!")]
    [InlineData("retirez-moi de votre liste s'il vous plaît")]
    [InlineData("ARRETEZ")]
    public async Task Call_FrenchSpokenOptOut_RevokedAndBlocked(string speech)
    {
        var (id, sid) = await PlaceAsync(French(Montreal));
        await _twilio.TwimlAsync($"/twilio/voice/{id}", new() { ["CallSid"] = sid, ["AnsweredBy"] = "human" });

        var confirm = await _twilio.TwimlAsync($"/twilio/gather/{id}?attempt=0",
            new() { ["CallSid"] = sid, ["SpeechResult"] = speech });

        Assert.StartsWith("Vous ne recevrez plus d'appels de Acme Outdoor Supply", Said(confirm)[0]);
        var (_, consent) = await Acme.GetJsonAsync($"/v1/consents/{ApiHelpers.Path(Montreal)}");
        Assert.Equal("voice", (string?)consent["history"]!.AsArray().Last()!["channel"]);
        var (status, _) = await Acme.PostJsonAsync("/v1/calls", French(Montreal));
        Assert.Equal((HttpStatusCode)422, status);
    }

    [Fact]
    public async Task Call_FrenchSpeechThatIsNotAnOptOut_NotRevoked()
    {
        var (id, sid) = await PlaceAsync(French(Montreal));
        await _twilio.TwimlAsync($"/twilio/voice/{id}", new() { ["CallSid"] = sid, ["AnsweredBy"] = "human" });

        var answer = await _twilio.TwimlAsync($"/twilio/gather/{id}?attempt=0",
            new() { ["CallSid"] = sid, ["SpeechResult"] = "merci, bonne journée" });

        Assert.DoesNotContain(Said(answer), s => s.StartsWith("Vous ne recevrez plus", StringComparison.Ordinal));
        var (_, consent) = await Acme.GetJsonAsync($"/v1/consents/{ApiHelpers.Path(Montreal)}");
        Assert.Equal("granted", (string?)consent["current"]!["transactional"]!["state"]);
    }

    [Fact]
    public async Task Voicemail_CanadianCall_SellerThenAddressAndNumber()
    {
        var (id, sid) = await PlaceAsync(French(Montreal));

        var voicemail = await _twilio.TwimlAsync($"/twilio/voicemail/{id}", new() { ["CallSid"] = sid });

        var said = Said(voicemail);
        Assert.Equal("Bonjour, ceci est un message automatisé de Acme Outdoor Supply.", said[0]);
        Assert.StartsWith($"Notre adresse postale est {Address}", said[1]);
    }

    [Fact]
    public async Task Call_EnglishToCanada_AddressSaidInEnglish_UsCallSaysNone()
    {
        var (id, sid) = await PlaceAsync(ApiHelpers.OrderUpdate(Montreal));
        var twiml = await _twilio.TwimlAsync($"/twilio/voice/{id}", new() { ["CallSid"] = sid, ["AnsweredBy"] = "human" });
        Assert.StartsWith($"Our mailing address is {Address}", Said(twiml.Element("Gather")!)[2]);

        await Acme.GrantAsync(Phone, "transactional");
        var (_, us) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        Assert.Equal("US", (string?)us["decision"]!["jurisdiction"]);
        var usTwiml = await _twilio.TwimlAsync($"/twilio/voice/{us["id"]}",
            new() { ["CallSid"] = (string)us["twilioCallSid"]!, ["AnsweredBy"] = "human" });
        Assert.DoesNotContain(Said(usTwiml), s => s.Contains("mailing address", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Review_CanadianAndUsCalls_ListAndExportNameTheJurisdiction()
    {
        var (canadian, _) = await PlaceAsync(French(Montreal));
        await Acme.GrantAsync(Phone, "transactional");
        var (_, us) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        var supervisor = App.ClientWithKey(VoiceProxyApplication.SupervisorKey);

        var (_, page) = await supervisor.GetJsonAsync("/v1/calls");
        var export = await supervisor.GetStringAsync("/v1/calls/export");

        var items = page["items"]!.AsArray();
        Assert.Equal("CA", (string?)items.Single(i => (string?)i!["id"] == canadian)!["jurisdiction"]);
        Assert.Equal("US", (string?)items.Single(i => (string?)i!["id"] == (string?)us["id"])!["jurisdiction"]);
        var lines = export.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith(",jurisdiction", lines[0]);
        Assert.EndsWith(",CA", lines.Single(l => l.StartsWith(canadian, StringComparison.Ordinal)));
        Assert.EndsWith(",US", lines.Single(l => l.StartsWith((string)us["id"]!, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Call_SellerWithoutMailingAddressToCanada_Blocked()
    {
        var globex = App.ClientWithKey(VoiceProxyApplication.GlobexKey);
        await globex.GrantAsync(Montreal, "transactional");

        var (status, problem) = await globex.PostJsonAsync("/v1/calls",
            ApiHelpers.OrderUpdate(Montreal, from: "+12125550100"));

        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal(["mailing_address_missing"], problem.ReasonCodes());
    }
}
