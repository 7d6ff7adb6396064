using System.Collections.Frozen;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace VoiceProxy.Twiml;

/// <summary>What a template variable may hold. Every variable of the template set is declared with one of these in
/// twiml-templates/_variables.xml, so an app cannot put an offer into a transactional message through a variable: only
/// <c>text</c> is free, and only a marketing message may use it.</summary>
public sealed partial record VariableType(string Name, string Description, bool FreeText, Func<string, bool> Fits)
{
    public static readonly FrozenDictionary<string, VariableType> All = new VariableType[]
    {
        new("reference", "1 to 32 letters, digits and dashes (an order or account number)", false,
            v => Reference().IsMatch(v)),
        new("date", "a date as YYYY-MM-DD", false,
            v => DateOnly.TryParseExact(v, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)),
        new("time", "a time of day as HH:MM (24-hour)", false,
            v => TimeOnly.TryParseExact(v, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)),
        new("amount", "an amount of money: digits with an optional decimal point and two decimals, at most 999999999.99",
            false, v => Amount().IsMatch(v)),
        new("text", "free text: 1 to 200 letters, digits, spaces and . , ' % - characters", true, v => Text().IsMatch(v)),
    }.ToFrozenDictionary(t => t.Name);

    [GeneratedRegex(@"^[A-Za-z0-9-]{1,32}$")]
    private static partial Regex Reference();

    [GeneratedRegex(@"^[0-9]{1,9}(\.[0-9]{2})?$")]
    private static partial Regex Amount();

    [GeneratedRegex(@"^[\p{L}\p{N} .,'%-]{1,200}$")]
    private static partial Regex Text();

    /// <summary>Reads <c>&lt;Variables&gt;&lt;Variable name="orderNumber" type="reference"/&gt;…&lt;/Variables&gt;</c>; throws
    /// <see cref="InvalidDataException"/> naming the file and the reason.</summary>
    public static FrozenDictionary<string, VariableType> LoadDeclarations(string file)
    {
        if (!File.Exists(file)) throw new InvalidDataException($"Template {file}: the variable declarations are missing.");
        XElement root;
        try { root = XElement.Load(file); }
        catch (XmlException e) { throw new InvalidDataException($"Template {file}: malformed XML: {e.Message}"); }
        var declared = new Dictionary<string, VariableType>(StringComparer.Ordinal);
        foreach (var variable in root.Name.LocalName == "Variables" ? root.Elements() : [])
        {
            var (name, type) = ((string?)variable.Attribute("name"), (string?)variable.Attribute("type"));
            if (variable.Name.LocalName != "Variable" || name is null
                || !TemplateCatalog.Placeholder().IsMatch($"{{{{{name}}}}}"))
                throw new InvalidDataException($"Template {file}: each entry must be <Variable name=\"…\" type=\"…\"/> " +
                    "with a name of letters, digits and underscores.");
            if (type is null || !All.TryGetValue(type, out var known))
                throw new InvalidDataException($"Template {file}: {name} has type \"{type}\"; the types are " +
                    $"{string.Join(", ", All.Keys)}.");
            if (!declared.TryAdd(name, known))
                throw new InvalidDataException($"Template {file}: {name} is declared twice.");
        }
        if (root.Name.LocalName != "Variables" || declared.Count == 0)
            throw new InvalidDataException(
                $"Template {file}: the root element must be <Variables> with at least one <Variable>.");
        return declared.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
