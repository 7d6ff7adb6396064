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
    /// <summary>What a caller may say to opt out, by any reasonable means (FCC 24-24, 47 CFR 64.1200(a)(10)): matched as
    /// whole words, ignoring case, accents and punctuation. A language without its own list uses the English one.</summary>
    private static readonly Dictionary<string, string[]> OptOutPhrases = new()
    {
        ["en-US"] =
        [
            "opt out", "unsubscribe", "take me off", "remove me", "no more calls", "don't call", "do not call", "stop",
            "quit", "revoke",
        ],
        ["es-US"] =
        [
            "darme de baja", "dar de baja", "cancelar la suscripción", "desuscribir", "quítenme", "sáquenme", "elimínenme",
            "bórrenme", "no más llamadas", "no me llamen", "no llamen", "alto", "basta", "deténganse", "dejen de llamar",
            "salir", "revocar", "revoco",
        ],
        ["fr-CA"] =
        [
            "arrêtez", "arrête", "arrêter", "stop", "ne m'appelez plus", "ne m'appelle plus", "n'appelez plus",
            "ne plus m'appeler", "plus d'appels", "retirez-moi de votre liste", "retirez-moi", "enlevez-moi", "désabonner",
            "désabonnez-moi", "désinscrire", "désinscrivez-moi", "révoquer", "je révoque",
        ],
    };

    private static readonly Dictionary<string, string[]> NormalizedPhrases =
        OptOutPhrases.ToDictionary(p => p.Key, p => p.Value.Select(Normalize).ToArray());

    private const string Canada = "CA";

    private string OptOutDigit => options.Value.OptOutDigit;

    /// <summary>Whether a gather result asks to opt out: the opt-out digit, or one of the phrases in the call's
    /// language.</summary>
    public bool IsOptOut(string language, string? digits, string? speech)
    {
        if (digits == OptOutDigit) return true;
        if (speech is not { Length: > 0 }) return false;
        var said = Normalize(speech);
        return NormalizedPhrases.GetValueOrDefault(language, NormalizedPhrases["en-US"])
            .Any(p => said.Contains(p, StringComparison.Ordinal));
    }

    /// <summary>" no me llamen mas " for "¡No me llamen más!": lower case, without accents or apostrophes, words between
    /// single spaces and padded with one, so a phrase matches whole words only ("stop" is not in "stopwatch").</summary>
    private static string Normalize(string text)
    {
        var plain = new System.Text.StringBuilder(" ");
        foreach (var c in text.Normalize(System.Text.NormalizationForm.FormD).ToLowerInvariant())
        {
            if (c is '\'' or '’' || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.NonSpacingMark) continue;
            if (char.IsLetterOrDigit(c)) plain.Append(c);
            else if (plain[^1] != ' ') plain.Append(' ');
        }
        if (plain[^1] != ' ') plain.Append(' ');
        return plain.ToString();
    }

    /// <summary>Identity first, the opt-out instruction right after it, on a call to Canada the mailing address and number
    /// (UTR Part IV), the sales statement for marketing, the message, the callback number, and the toll-free opt-out line
    /// when the listener may be a machine (<paramref name="maybeMachine"/>); all inside one Gather so the opt-out works from
    /// the first word.</summary>
    public Rendered Message(
        CallRecord call, SellerOptions seller, MessageTemplate template, IReadOnlyDictionary<string, string> variables,
        int attempt, bool maybeMachine)
    {
        var frame = catalog.FrameFor(call.Language);
        var values = FrameValues(seller, template.Goods);
        var gather = new Gather
        {
            Input = [Gather.InputEnum.Dtmf, Gather.InputEnum.Speech],
            NumDigits = 1,
            Timeout = 5,
            SpeechTimeout = "auto",
            Hints = string.Join(", ", OptOutPhrases.GetValueOrDefault(call.Language, OptOutPhrases["en-US"])),
            Language = call.Language,
            Action = new Uri($"{options.Value.WebhookBaseUrl}/twilio/gather/{call.Id}?attempt={attempt}"),
            Method = Twilio.Http.HttpMethod.Post,
            ActionOnEmptyResult = false,
        };
        var spoken = new List<string>();
        AddVerbs(gather, frame.Parts["Identity"].Elements(), values, call.Language, spoken);
        AddVerbs(gather, frame.Parts["OptOut"].Elements(), values, call.Language, spoken);
        if (call.Jurisdiction == Canada)
            AddVerbs(gather, frame.Parts["CanadaContact"].Elements(), values, call.Language, spoken);
        if (template.Purpose == Purpose.Marketing)
            AddVerbs(gather, frame.Parts["SalesPurpose"].Elements(), values, call.Language, spoken);
        AddVerbs(gather, template.Body.Elements(), variables, call.Language, spoken);
        AddVerbs(gather, frame.Parts["Callback"].Elements(), values, call.Language, spoken);
        if (maybeMachine) AddVerbs(gather, frame.Parts["OptOutLine"].Elements(), values, call.Language, spoken);
        var response = new VoiceResponse().Append(gather);
        AddVerbs(response, frame.Parts["Goodbye"].Elements(), values, call.Language, spoken);
        return new Rendered(response.Hangup(), string.Join(" ", spoken));
    }

    /// <summary>For an answering machine: identity, on a call to Canada the mailing address and number (UTR Part IV), what
    /// is sold when the message is marketing (16 CFR 310.4(d)), callback number and the automated opt-out number
    /// (47 CFR 64.1200(b)(3)). The loader makes the Voicemail part's first verb the
    /// sentence naming the seller.</summary>
    public Rendered Voicemail(CallRecord call, SellerOptions seller, MessageTemplate? template)
    {
        var frame = catalog.FrameFor(call.Language);
        var values = FrameValues(seller, template?.Goods);
        var spoken = new List<string>();
        var response = new VoiceResponse();
        var verbs = frame.Parts["Voicemail"].Elements().ToList();
        AddVerbs(response, [verbs[0]], values, call.Language, spoken);
        if (call.Jurisdiction == Canada)
            AddVerbs(response, frame.Parts["CanadaContact"].Elements(), values, call.Language, spoken);
        if (template?.Purpose == Purpose.Marketing)
            AddVerbs(response, frame.Parts["SalesPurpose"].Elements(), values, call.Language, spoken);
        AddVerbs(response, verbs.Skip(1), values, call.Language, spoken);
        return new Rendered(response.Hangup(), string.Join(" ", spoken));
    }

    /// <summary>The opt-out line, called from a withheld number: says the number could not be captured and how else to opt
    /// out.</summary>
    public Rendered InboundAnonymous(string language, SellerOptions seller) =>
        Spoken(language, "InboundAnonymous", FrameValues(seller, null));

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
        AddVerbs(gather, catalog.FrameFor(language).Parts["InboundOptOut"].Elements(), FrameValues(seller, null), language,
            spoken);
        return new Rendered(new VoiceResponse().Append(gather).Hangup(), string.Join(" ", spoken));
    }

    public static Rendered Hangup() => new(new VoiceResponse().Hangup(), "");

    private Rendered Spoken(string language, string part, IReadOnlyDictionary<string, string> values)
    {
        var spoken = new List<string>();
        var response = new VoiceResponse();
        AddVerbs(response, catalog.FrameFor(language).Parts[part].Elements(), values, language, spoken);
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
        // Only said on calls to Canada, which the gate blocks for a seller without one.
        ["mailingAddress"] = seller.MailingAddress?.Trim() ?? "",
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
        TwiML parent, IEnumerable<XElement> verbs, IReadOnlyDictionary<string, string> values, string language,
        List<string> spoken)
    {
        foreach (var verb in verbs)
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
