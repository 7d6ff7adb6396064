using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using VoiceProxy.Consent;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Twiml;

/// <summary>A message template: <c>&lt;Message purpose="..."&gt;</c> holding Say, Play and Pause verbs with {{placeholders}}.
/// A marketing message names what it sells in <c>goods</c>, which the frame speaks (16 CFR 310.4(d)).</summary>
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

    public static readonly string[] FrameParts =
        ["Identity", "OptOut", "SalesPurpose", "Callback", "Voicemail", "OptOutConfirmed", "InboundOptOut", "Goodbye"];
    public static readonly string[] FramePlaceholders = ["sellerName", "optOutDigit", "callbackNumber", "optOutNumber", "goods"];

    private readonly FrozenDictionary<(string Language, string Name), MessageTemplate> _templates;
    private readonly FrozenDictionary<string, Frame> _frames;

    private TemplateCatalog(IEnumerable<MessageTemplate> templates, IEnumerable<Frame> frames)
    {
        _templates = templates.ToFrozenDictionary(t => (t.Language, t.Name));
        _frames = frames.ToFrozenDictionary(f => f.Language);
    }

    public int Count => _templates.Count;

    public int CountFor(string language) => _templates.Keys.Count(k => k.Language == language);

    public bool HasFrame(string language) => _frames.ContainsKey(language);

    public MessageTemplate? Find(string language, string name) => _templates.GetValueOrDefault((language, name));

    public Frame FrameFor(string language) => _frames[language];

    [GeneratedRegex(@"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}")]
    internal static partial Regex Placeholder();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,63}$")]
    internal static partial Regex NamePattern();

    /// <summary>Loads the folder; throws <see cref="InvalidDataException"/> naming the file and the reason for the first bad
    /// template.</summary>
    public static TemplateCatalog Load(string folder)
    {
        if (!Directory.Exists(folder)) throw new InvalidDataException($"Template folder '{folder}' does not exist.");
        var templates = new List<MessageTemplate>();
        var frames = new List<Frame>();
        foreach (var language in Languages.All)
        {
            var dir = Path.Combine(folder, language);
            if (!Directory.Exists(dir)) throw new InvalidDataException($"Template folder '{dir}' is missing.");
            frames.Add(LoadFrame(language, Path.Combine(dir, "_frame.xml")));
            foreach (var file in Directory.EnumerateFiles(dir, "*.xml").Where(f => !Path.GetFileName(f).StartsWith('_')))
                templates.Add(LoadMessage(language, file));
        }
        return new TemplateCatalog(templates, frames);
    }

    private static Frame LoadFrame(string language, string file)
    {
        if (!File.Exists(file)) throw new InvalidDataException($"Template {file}: the compliance frame is missing.");
        var root = Parse(file, File.ReadAllText(file));
        if (root.Name.LocalName != "Frame") throw Bad(file, "the root element must be <Frame>.");
        var parts = new Dictionary<string, XElement>();
        foreach (var part in root.Elements())
        {
            if (!FrameParts.Contains(part.Name.LocalName))
                throw Bad(file, $"<{part.Name.LocalName}> is not a frame part; the parts are {string.Join(", ", FrameParts)}.");
            CheckVerbs(file, part, FramePlaceholders);
            parts[part.Name.LocalName] = part;
        }
        if (FrameParts.FirstOrDefault(p => !parts.ContainsKey(p)) is { } missing)
            throw Bad(file, $"the frame has no <{missing}> part.");
        return new Frame(language, parts);
    }

    private static MessageTemplate LoadMessage(string language, string file)
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
