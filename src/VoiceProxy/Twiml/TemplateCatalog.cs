using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using VoiceProxy.Consent;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Twiml;

/// <summary>A message template: <c>&lt;Message purpose="..."&gt;</c> holding Say, Play and Pause verbs with {{placeholders}},
/// each declared with its type in the set's <c>_variables.xml</c>. A marketing message names what it sells in <c>goods</c>,
/// which the frame speaks (16 CFR 310.4(d)).</summary>
public sealed record MessageTemplate(
    string Language, string Name, Purpose Purpose, string? Goods, XElement Body, IReadOnlySet<string> Variables, string Sha256);

/// <summary>The compliance frame of one language: each part a list of verbs.</summary>
public sealed record Frame(string Language, IReadOnlyDictionary<string, XElement> Parts);

/// <summary>Every template under twiml-templates/&lt;language&gt;/ (messages, and the frame in _frame.xml), loaded and
/// validated once at start-up.</summary>
public sealed partial class TemplateCatalog
{
    /// <summary>Verbs a message may use, with the attributes each may carry (all exist in Twilio's TwiML vocabulary).</summary>
    public static readonly FrozenDictionary<string, string[]> AllowedVerbs = new Dictionary<string, string[]>
    {
        ["Say"] = ["voice", "loop", "language"],
        ["Play"] = ["loop", "digits"],
        ["Pause"] = ["length"],
    }.ToFrozenDictionary();

    /// <summary>The frame's parts, each with the placeholders it must say.</summary>
    public static readonly FrozenDictionary<string, string[]> FrameParts = new Dictionary<string, string[]>
    {
        ["Identity"] = ["sellerName"],
        ["OptOut"] = ["optOutDigit"],
        // Said right after the opt-out instruction on a call to a Canadian number: the mailing address and a number at
        // which the seller can be reached (CRTC Unsolicited Telecommunications Rules, Part IV).
        ["CanadaContact"] = ["mailingAddress", "callbackNumber"],
        ["SalesPurpose"] = ["goods"],
        ["Callback"] = ["callbackNumber"],
        // Said when the listener may be a machine (AnsweredBy unknown, or not known yet): 47 CFR 64.1200(b)(3).
        ["OptOutLine"] = ["optOutNumber"],
        ["Voicemail"] = ["sellerName", "callbackNumber", "optOutNumber"],
        ["OptOutConfirmed"] = ["sellerName"],
        ["InboundOptOut"] = ["sellerName", "optOutDigit"],
        // The opt-out line called from a withheld number: what could not be done, and how else to opt out.
        ["InboundAnonymous"] = ["sellerName"],
        ["Goodbye"] = [],
    }.ToFrozenDictionary();
    public static readonly string[] FramePlaceholders =
        ["sellerName", "optOutDigit", "callbackNumber", "optOutNumber", "goods", "mailingAddress"];

    /// <summary>Words per second assumed for Twilio's voices when the frame's timing is checked. Deliberately slow, so a
    /// frame's estimated delays err long: Amazon Polly's own timing example ("Mary had a little lamb", speech marks) puts
    /// five words at about 1.1 s (about 4.5 words per second) for Joanna and Ivy, Matthew is slightly and Joey considerably
    /// slower, and Spanish and French words are longer; 2 words per second is slower than all of these (see
    /// docs/compliance-rules.md, "The frame's speaking budget").</summary>
    public const double WordsPerSecond = 2.0;

    /// <summary>47 CFR 64.1200(b)(3): the opt-out mechanism within two seconds of the identification.</summary>
    public const double MaxSecondsToOptOut = 2.0;

    private readonly FrozenDictionary<(string Language, string Name), MessageTemplate> _templates;
    private readonly FrozenDictionary<string, Frame> _frames;

    private TemplateCatalog(
        IEnumerable<MessageTemplate> templates, IEnumerable<Frame> frames, FrozenDictionary<string, VariableType> types)
    {
        _templates = templates.ToFrozenDictionary(t => (t.Language, t.Name));
        _frames = frames.ToFrozenDictionary(f => f.Language);
        VariableTypes = types;
    }

    /// <summary>Every template variable of the set, with its type (twiml-templates/_variables.xml).</summary>
    public FrozenDictionary<string, VariableType> VariableTypes { get; }

    public int Count => _templates.Count;

    public int CountFor(string language) => _templates.Keys.Count(k => k.Language == language);

    public bool HasFrame(string language) => _frames.ContainsKey(language);

    public MessageTemplate? Find(string language, string name) => _templates.GetValueOrDefault((language, name));

    public Frame FrameFor(string language) => _frames[language];

    [GeneratedRegex(@"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}")]
    internal static partial Regex Placeholder();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,63}$")]
    internal static partial Regex NamePattern();

    /// <summary>A sentence ends at ., ! or ? followed by a space or the end.</summary>
    [GeneratedRegex(@"(?<=[.!?])\s+")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"[\p{L}\p{N}]+(['’][\p{L}]+)?")]
    private static partial Regex Word();

    /// <summary>Loads the folder; throws <see cref="InvalidDataException"/> naming the file and the reason for the first bad
    /// template.</summary>
    public static TemplateCatalog Load(string folder)
    {
        if (!Directory.Exists(folder)) throw new InvalidDataException($"Template folder '{folder}' does not exist.");
        var types = VariableType.LoadDeclarations(Path.Combine(folder, "_variables.xml"));
        var templates = new List<MessageTemplate>();
        var frames = new List<Frame>();
        foreach (var language in Languages.All)
        {
            var dir = Path.Combine(folder, language);
            if (!Directory.Exists(dir)) throw new InvalidDataException($"Template folder '{dir}' is missing.");
            frames.Add(LoadFrame(language, Path.Combine(dir, "_frame.xml")));
            foreach (var file in Directory.EnumerateFiles(dir, "*.xml").Where(f => !Path.GetFileName(f).StartsWith('_')))
                templates.Add(LoadMessage(language, file, types));
        }
        return new TemplateCatalog(templates, frames, types);
    }

    private static Frame LoadFrame(string language, string file)
    {
        if (!File.Exists(file)) throw new InvalidDataException($"Template {file}: the compliance frame is missing.");
        var root = Parse(file, File.ReadAllText(file));
        if (root.Name.LocalName != "Frame") throw Bad(file, "the root element must be <Frame>.");
        var parts = new Dictionary<string, XElement>();
        foreach (var part in root.Elements())
        {
            if (!FrameParts.TryGetValue(part.Name.LocalName, out var required))
                throw Bad(file,
                    $"<{part.Name.LocalName}> is not a frame part; the parts are {string.Join(", ", FrameParts.Keys)}.");
            CheckVerbs(file, part, FramePlaceholders);
            var text = string.Concat(part.Elements("Say").Select(v => v.Value));
            if (required.FirstOrDefault(p => !text.Contains($"{{{{{p}}}}}", StringComparison.Ordinal)) is { } lacking)
                throw Bad(file, $"<{part.Name.LocalName}> must say {{{{{lacking}}}}}.");
            parts[part.Name.LocalName] = part;
        }
        if (FrameParts.Keys.FirstOrDefault(p => !parts.ContainsKey(p)) is { } missing)
            throw Bad(file, $"the frame has no <{missing}> part.");
        CheckIdentityThenOptOut(file, parts["Identity"], parts["OptOut"]);
        if (Sentences(parts["Voicemail"].Elements().First()) is not [var named] || !named.Contains("{{sellerName}}"))
            throw Bad(file, "<Voicemail> must start with a <Say> of one sentence naming {{sellerName}}, so that a marketing " +
                "voicemail says what it sells right after it (16 CFR 310.4(d)).");
        return new Frame(language, parts);
    }

    /// <summary>The seller's identity is the first thing said, and the opt-out instruction follows it with nothing in
    /// between and within <see cref="MaxSecondsToOptOut"/> (47 CFR 64.1200(b)(1), (b)(3); 16 CFR 310.4(d)): the first
    /// sentence of &lt;Identity&gt; names the seller, nothing but Say without loops is used, no sentence follows the one
    /// naming the seller, &lt;OptOut&gt; starts with the instruction giving the digit, and the words from the seller's name
    /// to the digit take at most 2 s at <see cref="WordsPerSecond"/>.</summary>
    private static void CheckIdentityThenOptOut(string file, XElement identity, XElement optOut)
    {
        const string name = "{{sellerName}}", digit = "{{optOutDigit}}";
        foreach (var verb in identity.Elements().Concat(optOut.Elements().Take(1)))
        {
            if (verb.Name.LocalName != "Say")
                throw Bad(file, $"a <{verb.Name.LocalName}> in <{verb.Parent!.Name.LocalName}> would stand between the " +
                    "seller's identity and the opt-out instruction, or come before the identity; only <Say> is allowed there.");
            if ((int?)verb.Attribute("loop") is { } loop && loop != 1)
                throw Bad(file, $"<Say loop=\"{loop}\"> in <{verb.Parent!.Name.LocalName}> would repeat words between the " +
                    "seller's identity and the opt-out instruction.");
        }
        var said = Sentences(identity);
        var first = said.FirstOrDefault() ?? "";
        if (!first.Contains(name, StringComparison.Ordinal))
            throw Bad(file, $"the seller's identity must be the first thing said: the first sentence of <Identity> must " +
                $"name {name}, and it is \"{first}\".");
        var last = said.FindLastIndex(s => s.Contains(name, StringComparison.Ordinal));
        if (last < said.Count - 1)
            throw Bad(file, $"\"{said[last + 1]}\" stands between the seller's identity and the opt-out instruction.");
        var instruction = Sentences(optOut).FirstOrDefault() ?? "";
        if (!instruction.Contains(digit, StringComparison.Ordinal))
            throw Bad(file, $"<OptOut> must start with the opt-out instruction giving {digit}; it starts \"{instruction}\".");
        var between = said[last][(said[last].LastIndexOf(name, StringComparison.Ordinal) + name.Length)..] + " "
            + instruction[..instruction.IndexOf(digit, StringComparison.Ordinal)];
        if (Placeholder().Match(between) is { Success: true } unknown)
            throw Bad(file, $"{unknown.Value} between the seller's name and the opt-out digit has no length known at start-up, " +
                "so the 2 s budget cannot be checked; give the digit first.");
        var words = Word().Count(between);
        if (words / WordsPerSecond > MaxSecondsToOptOut)
            throw Bad(file, $"the opt-out digit would be said about {words / WordsPerSecond:0.0} s after the seller's name " +
                $"({words} words at {WordsPerSecond} words per second); 47 CFR 64.1200(b)(3) allows {MaxSecondsToOptOut} s.");
    }

    /// <summary>The sentences a part's Say verbs speak, in order.</summary>
    private static List<string> Sentences(XElement container) =>
        [.. container.DescendantsAndSelf("Say").SelectMany(s => SentenceEnd().Split(s.Value.Trim()))
            .Where(s => s.Length > 0)];

    private static MessageTemplate LoadMessage(string language, string file, FrozenDictionary<string, VariableType> types)
    {
        var name = Path.GetFileNameWithoutExtension(file);
        if (!NamePattern().IsMatch(name)) throw Bad(file, "the file name must be lower-case letters, digits and dashes.");
        var text = File.ReadAllText(file);
        var root = Parse(file, text);
        if (root.Name.LocalName != "Message") throw Bad(file, "the root element must be <Message>.");
        var purpose = Purposes.Parse((string?)root.Attribute("purpose"))
            ?? throw Bad(file, "<Message> needs purpose=\"transactional\" or purpose=\"marketing\".");
        var goods = (string?)root.Attribute("goods");
        if (purpose == Purpose.Marketing && string.IsNullOrWhiteSpace(goods))
            throw Bad(file, "a marketing message must say what it sells in goods=\"...\" (16 CFR 310.4(d)).");
        CheckVerbs(file, root, placeholders: null);
        var variables = Placeholder().Matches(text).Select(m => m.Groups[1].Value).ToFrozenSet();
        foreach (var variable in variables)
        {
            if (!types.TryGetValue(variable, out var type))
                throw Bad(file, $"{{{{{variable}}}}} is not declared in _variables.xml; every variable needs a type.");
            if (type.FreeText && purpose != Purpose.Marketing)
                throw Bad(file, $"{{{{{variable}}}}} is free text ({type.Name}), which only a marketing message may use: " +
                    "free text would let a transactional call carry an offer.");
        }
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        return new MessageTemplate(language, name, purpose, goods, root, variables, sha256);
    }

    /// <summary>Only Say, Play and Pause with their known attributes; placeholders only in Say text, and only known ones when a
    /// list is given.</summary>
    private static void CheckVerbs(string file, XElement container, string[]? placeholders)
    {
        if (!container.Elements().Any()) throw Bad(file, $"<{container.Name.LocalName}> is empty.");
        foreach (var verb in container.Elements())
        {
            if (!AllowedVerbs.TryGetValue(verb.Name.LocalName, out var attributes))
                throw Bad(file,
                    $"<{verb.Name.LocalName}> is not allowed in a message; only {string.Join(", ", AllowedVerbs.Keys)}.");
            if (verb.Attributes().FirstOrDefault(a => !attributes.Contains(a.Name.LocalName)) is { } attribute)
                throw Bad(file, $"<{verb.Name.LocalName}> may not carry {attribute.Name.LocalName}=\"...\".");
            if (verb.Elements().Any()) throw Bad(file, $"<{verb.Name.LocalName}> may hold text only.");
            var used = Placeholder().Matches(verb.ToString()).Select(m => m.Groups[1].Value).ToList();
            if (used.Count > 0 && verb.Name.LocalName != "Say") throw Bad(file, $"placeholders are allowed only in <Say> text.");
            if (placeholders is not null && used.FirstOrDefault(u => !placeholders.Contains(u)) is { } unknown)
                throw Bad(file, $"unknown placeholder {{{{{unknown}}}}}; the frame knows {string.Join(", ", placeholders)}.");
        }
    }

    private static XElement Parse(string file, string text)
    {
        try { return XElement.Parse(text); }
        catch (XmlException e) { throw Bad(file, $"malformed XML: {e.Message}"); }
    }

    private static InvalidDataException Bad(string file, string reason) => new($"Template {file}: {reason}");
}
