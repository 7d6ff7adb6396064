using System.Xml.Linq;
using Microsoft.Extensions.Options;
using Twilio.TwiML;
using Twilio.TwiML.Voice;
using VoiceProxy.Consent;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Twiml;

/// <summary>TwiML and the words it speaks. The transcript is kept with the call (16 CFR 310.5: each unique message).</summary>
public sealed record Rendered(VoiceResponse Response, string Spoken);

/// <summary>Builds every TwiML answer VoiceProxy gives, from the frame and message templates.</summary>
internal sealed class TwimlRenderer(TemplateCatalog catalog, IOptions<VoiceProxyOptions> options)
{
    private static readonly Dictionary<string, string[]> OptOutPhrases = new()
    {
        ["en-US"] = ["stop calling", "stop", "unsubscribe", "remove me", "do not call", "don't call"],
        ["es-US"] = ["no me llamen", "no llamen", "alto", "basta", "cancelar", "quítenme", "quitenme", "eliminar"],
    };

    private string OptOutDigit => options.Value.OptOutDigit;

    /// <summary>Whether a gather result asks to opt out: the opt-out digit, or one of the phrases in the call's
    /// language.</summary>
    public bool IsOptOut(string language, string? digits, string? speech) =>
        digits == OptOutDigit
        || (speech is { Length: > 0 } && OptOutPhrases.GetValueOrDefault(language, OptOutPhrases["en-US"])
            .Any(p => speech.Contains(p, StringComparison.OrdinalIgnoreCase)));

    /// <summary>Identity first, the opt-out instruction right after it, the sales statement for marketing, the message, the
    /// callback number; all inside one Gather so the opt-out works from the first word.</summary>
    public Rendered Message(
        CallRecord call, SellerOptions seller, MessageTemplate template, IReadOnlyDictionary<string, string> variables,
        int attempt)
    {
        var frame = catalog.FrameFor(call.Language);
        var values = FrameValues(seller, template.Goods);
        var gather = new Gather
        {
            Input = [Gather.InputEnum.Dtmf, Gather.InputEnum.Speech],
            NumDigits = 1,
            Timeout = 5,
            SpeechTimeout = "auto",
            Hints = string.Join(", ", OptOutPhrases[call.Language]),
            Language = call.Language,
            Action = new Uri($"{options.Value.WebhookBaseUrl}/twilio/gather/{call.Id}?attempt={attempt}"),
            Method = Twilio.Http.HttpMethod.Post,
            ActionOnEmptyResult = false,
        };
        var spoken = new List<string>();
        AddVerbs(gather, frame.Parts["Identity"], values, call.Language, spoken);
        AddVerbs(gather, frame.Parts["OptOut"], values, call.Language, spoken);
        if (template.Purpose == Purpose.Marketing) AddVerbs(gather, frame.Parts["SalesPurpose"], values, call.Language, spoken);
        AddVerbs(gather, template.Body, variables, call.Language, spoken);
        AddVerbs(gather, frame.Parts["Callback"], values, call.Language, spoken);
        var response = new VoiceResponse().Append(gather);
        AddVerbs(response, frame.Parts["Goodbye"], values, call.Language, spoken);
        return new Rendered(response.Hangup(), string.Join(" ", spoken));
    }

    /// <summary>For an answering machine: identity, callback number and the automated opt-out number
    /// (47 CFR 64.1200(b)(3)).</summary>
    public Rendered Voicemail(CallRecord call, SellerOptions seller) =>
        Spoken(call.Language, "Voicemail", FrameValues(seller, null));

    public Rendered OptOutConfirmed(string language, SellerOptions seller) =>
        Spoken(language, "OptOutConfirmed", FrameValues(seller, null));

    public Rendered Goodbye(string language, SellerOptions seller) => Spoken(language, "Goodbye", FrameValues(seller, null));

    /// <summary>The inbound opt-out line: names the seller and asks for the digit that confirms.</summary>
    public Rendered InboundPrompt(string language, SellerOptions seller, string confirmUrl)
    {
        var spoken = new List<string>();
        var gather = new Gather
        {
            Input = [Gather.InputEnum.Dtmf], NumDigits = 1, Timeout = 10, Action = new Uri(confirmUrl),
            Method = Twilio.Http.HttpMethod.Post, ActionOnEmptyResult = false,
        };
        AddVerbs(gather, catalog.FrameFor(language).Parts["InboundOptOut"], FrameValues(seller, null), language, spoken);
        return new Rendered(new VoiceResponse().Append(gather).Hangup(), string.Join(" ", spoken));
    }

    public static Rendered Hangup() => new(new VoiceResponse().Hangup(), "");

    private Rendered Spoken(string language, string part, IReadOnlyDictionary<string, string> values)
    {
        var spoken = new List<string>();
        var response = new VoiceResponse();
        AddVerbs(response, catalog.FrameFor(language).Parts[part], values, language, spoken);
        return new Rendered(response.Hangup(), string.Join(" ", spoken));
    }

    private Dictionary<string, string> FrameValues(SellerOptions seller, string? goods) => new()
    {
        // The frame ends its sentence after the name: "Acme, Inc." must not become "Acme, Inc.." when spoken.
        ["sellerName"] = seller.LegalName.TrimEnd('.'),
        ["optOutDigit"] = OptOutDigit,
        ["callbackNumber"] = Digits(seller.CallbackNumber),
        ["optOutNumber"] = Digits(seller.OptOutNumber ?? seller.CallbackNumber),
        ["goods"] = goods ?? "",
    };

    /// <summary>+18005550199 is spoken as "8 0 0, 5 5 5, 0 1 9 9".</summary>
    internal static string Digits(string e164)
    {
        var d = e164.StartsWith("+1", StringComparison.Ordinal) && e164.Length == 12 ? e164[2..] : e164.TrimStart('+');
        static string Spell(string s) => string.Join(' ', s.ToCharArray());
        return d.Length == 10 ? $"{Spell(d[..3])}, {Spell(d[3..6])}, {Spell(d[6..])}" : Spell(d);
    }

    /// <summary>Template verbs become SDK verbs; values are substituted into text, which the SDK escapes, so a value can never
    /// become TwiML.</summary>
    private static void AddVerbs(
        TwiML parent, XElement container, IReadOnlyDictionary<string, string> values, string language, List<string> spoken)
    {
        foreach (var verb in container.Elements())
        {
            switch (verb.Name.LocalName)
            {
                case "Say":
                    var text = TemplateCatalog.Placeholder().Replace(verb.Value, m => values[m.Groups[1].Value]).Trim();
                    var say = new Say(text, loop: (int?)verb.Attribute("loop"),
                        language: (string?)verb.Attribute("language") ?? language);
                    // The SDK writes an attribute for a null voice and fails, so only a voice the template names is set.
                    if ((string?)verb.Attribute("voice") is { } voice) say.Voice = voice;
                    parent.Append(say);
                    spoken.Add(text);
                    break;
                case "Play":
                    parent.Append(new Play(new Uri(verb.Value.Trim()),
                        loop: (int?)verb.Attribute("loop"), digits: (string?)verb.Attribute("digits")));
                    spoken.Add($"[audio {verb.Value.Trim()}]");
                    break;
                case "Pause":
                    parent.Append(new Pause((int?)verb.Attribute("length")));
                    break;
            }
        }
    }
}
