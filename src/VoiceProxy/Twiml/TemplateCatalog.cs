using System.Collections.Frozen;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using VoiceProxy.Compliance;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Twiml;

/// <summary>A message template: <c>&lt;Message purpose="..."&gt;</c> holding Say, Play and Pause verbs with {{placeholders}}.</summary>
public sealed record MessageTemplate(string Language, string Name, Purpose Purpose, XElement Body, IReadOnlySet<string> Variables, string Sha256);

/// <summary>Every template under twiml-templates/&lt;language&gt;/, loaded and validated once at start-up.</summary>
public sealed partial class TemplateCatalog
{
    public static readonly string[] AllowedVerbs = ["Say", "Play", "Pause"];
    private readonly FrozenDictionary<(string Language, string Name), MessageTemplate> _templates;

    private TemplateCatalog(IEnumerable<MessageTemplate> templates) =>
        _templates = templates.ToFrozenDictionary(t => (t.Language, t.Name));

    public int Count => _templates.Count;

    public MessageTemplate? Find(string language, string name) => _templates.GetValueOrDefault((language, name));

    [GeneratedRegex(@"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}")]
    internal static partial Regex Placeholder();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,63}$")]
    internal static partial Regex NamePattern();

    /// <summary>Loads the folder; throws <see cref="InvalidDataException"/> naming the file and the reason for the first bad template.</summary>
    public static TemplateCatalog Load(string folder)
    {
        if (!Directory.Exists(folder)) throw new InvalidDataException($"Template folder '{folder}' does not exist.");
        var templates = new List<MessageTemplate>();
        foreach (var language in Languages.All)
        {
            var dir = Path.Combine(folder, language);
            if (!Directory.Exists(dir)) throw new InvalidDataException($"Template folder '{dir}' is missing.");
            foreach (var file in Directory.EnumerateFiles(dir, "*.xml").Where(f => !Path.GetFileName(f).StartsWith('_')))
                templates.Add(LoadMessage(language, file));
        }
        return new TemplateCatalog(templates);
    }

    private static MessageTemplate LoadMessage(string language, string file)
    {
        InvalidDataException Bad(string reason) => new($"Template {file}: {reason}");
        var name = Path.GetFileNameWithoutExtension(file);
        if (!NamePattern().IsMatch(name)) throw Bad("the file name must be lower-case letters, digits and dashes.");
        var text = File.ReadAllText(file);
        XElement root;
        try { root = XElement.Parse(text); }
        catch (XmlException e) { throw Bad($"malformed XML: {e.Message}"); }
        if (root.Name.LocalName != "Message") throw Bad("the root element must be <Message>.");
        var purpose = Purposes.Parse((string?)root.Attribute("purpose"))
            ?? throw Bad("<Message> needs purpose=\"transactional\" or purpose=\"marketing\".");
        if (root.Elements().FirstOrDefault(e => !AllowedVerbs.Contains(e.Name.LocalName)) is { } verb)
            throw Bad($"<{verb.Name.LocalName}> is not allowed in a message; only {string.Join(", ", AllowedVerbs)}.");
        if (!root.Elements().Any()) throw Bad("the message is empty.");
        var variables = Placeholder().Matches(text).Select(m => m.Groups[1].Value).ToFrozenSet();
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
        return new MessageTemplate(language, name, purpose, root, variables, hash);
    }
}
