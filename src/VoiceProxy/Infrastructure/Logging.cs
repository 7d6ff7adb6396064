using System.Globalization;
using System.Text.RegularExpressions;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace VoiceProxy.Infrastructure;

internal static partial class Logging
{
    [GeneratedRegex(@"(?<![A-Za-z0-9])(?:%2B|\+)?\d{7,15}(?![A-Za-z0-9])")]
    private static partial Regex LongDigits();

    /// <summary>Masks every standalone run of 7 to 15 digits (a phone number, with or without its +) to its last four;
    /// digits inside identifiers (call SIDs, GUIDs) are left alone.</summary>
    public static string MaskNumbers(string text) => LongDigits().Replace(text, m => Phone.Mask(m.Value));

    /// <summary>Writes every control character (CR, LF, tab, ESC, NUL, NEL ...), the Unicode line and paragraph separators
    /// and the bidirectional overrides as an escape (<c>\n</c>, <c>\r</c>, <c>\t</c>, else <c>\uXXXX</c>), so
    /// client-controlled text (a path with <c>%0A</c> in it, a header, a form field) can neither start a forged log line
    /// nor recolour or reorder one.</summary>
    public static string EscapeControls(string text)
    {
        if (!text.Any(NeedsEscape)) return text;
        var escaped = new System.Text.StringBuilder(text.Length + 16);
        foreach (var c in text)
            escaped.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when NeedsEscape(c) => "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        return escaped.ToString();
    }

    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || c is '\u2028' or '\u2029' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    /// <summary>What a text property becomes on its way out: numbers masked, controls escaped.</summary>
    private static string Sanitize(string text) => EscapeControls(LongDigits().IsMatch(text) ? MaskNumbers(text) : text);

    public static WebApplicationBuilder AddVoiceProxyLogging(this WebApplicationBuilder builder)
    {
        builder.Services.AddSerilog((services, config) => config
            .ReadFrom.Configuration(builder.Configuration)
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
            .MinimumLevel.Override("System.Net.Http.HttpClient", LogEventLevel.Warning)
            .MinimumLevel.Override("Polly", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .Enrich.With<SanitizeText>()
            // The host's culture, which the sink used when given none: these lines are read by people.
            .WriteTo.Console(
                outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {Properties:j}{NewLine}{Exception}",
                formatProvider: CultureInfo.CurrentCulture));
        return builder;
    }

    /// <summary>Scopes carry raw request paths (GET /v1/dnc/{phone}), and handlers log route values and Twilio's fields: every
    /// text property, at any depth, has its numbers masked and its control characters escaped on its way out.</summary>
    private sealed class SanitizeText : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory factory)
        {
            foreach (var (name, value) in logEvent.Properties.ToList())
                if (Clean(value) is { } clean) logEvent.AddOrUpdateProperty(new LogEventProperty(name, clean));
        }

        /// <summary>The value with its text sanitized, or null when nothing in it changes.</summary>
        private static LogEventPropertyValue? Clean(LogEventPropertyValue value)
        {
            switch (value)
            {
                case ScalarValue { Value: string text }:
                    var sanitized = Sanitize(text);
                    return ReferenceEquals(sanitized, text) || sanitized == text ? null : new ScalarValue(sanitized);
                case SequenceValue sequence:
                    var items = sequence.Elements.Select(Clean).ToList();
                    return items.All(i => i is null) ? null
                        : new SequenceValue(items.Select((i, n) => i ?? sequence.Elements[n]));
                case StructureValue structure:
                    var fields = structure.Properties.Select(p => Clean(p.Value)).ToList();
                    return fields.All(f => f is null) ? null : new StructureValue(
                        structure.Properties.Select((p, n) => new LogEventProperty(p.Name, fields[n] ?? p.Value)),
                        structure.TypeTag);
                case DictionaryValue dictionary:
                    var entries = dictionary.Elements.Select(e => (Key: Clean(e.Key), Value: Clean(e.Value))).ToList();
                    return entries.All(e => e.Key is null && e.Value is null) ? null : new DictionaryValue(
                        dictionary.Elements.Select((e, n) => new KeyValuePair<ScalarValue, LogEventPropertyValue>(
                            (ScalarValue?)entries[n].Key ?? e.Key, entries[n].Value ?? e.Value)));
                default:
                    return null;
            }
        }
    }

    /// <summary>One line per request, with the path's phone numbers masked and its control characters escaped (the enricher
    /// does both to every text property; the path is decoded first so a %0A is seen as the line break it would be).</summary>
    public static IApplicationBuilder UseVoiceProxyRequestLogging(this IApplicationBuilder app) =>
        app.UseSerilogRequestLogging(o =>
        {
            o.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
            o.GetMessageTemplateProperties = (http, _, elapsed, status) =>
            [
                new("RequestMethod", new ScalarValue(http.Request.Method)),
                new("RequestPath", new ScalarValue(Sanitize(Uri.UnescapeDataString(http.Request.Path.ToString())))),
                new("StatusCode", new ScalarValue(status)),
                new("Elapsed", new ScalarValue(elapsed)),
            ];
        });
}
