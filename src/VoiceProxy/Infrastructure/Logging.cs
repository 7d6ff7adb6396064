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

    public static WebApplicationBuilder AddVoiceProxyLogging(this WebApplicationBuilder builder)
    {
        builder.Services.AddSerilog((services, config) => config
            .ReadFrom.Configuration(builder.Configuration)
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
            .MinimumLevel.Override("System.Net.Http.HttpClient", LogEventLevel.Warning)
            .MinimumLevel.Override("Polly", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .Enrich.With<MaskPhoneNumbers>()
            // The host's culture, which the sink used when given none: these lines are read by people.
            .WriteTo.Console(
                outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {Properties:j}{NewLine}{Exception}",
                formatProvider: CultureInfo.CurrentCulture));
        return builder;
    }

    /// <summary>Scopes carry raw request paths (GET /v1/dnc/{phone}); every text property is masked on its way out.</summary>
    private sealed class MaskPhoneNumbers : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory factory)
        {
            foreach (var (name, value) in logEvent.Properties.ToList())
                if (value is ScalarValue { Value: string text } && LongDigits().IsMatch(text))
                    logEvent.AddOrUpdateProperty(new LogEventProperty(name, new ScalarValue(MaskNumbers(text))));
        }
    }

    /// <summary>One line per request, with the path's phone numbers masked.</summary>
    public static IApplicationBuilder UseVoiceProxyRequestLogging(this IApplicationBuilder app) =>
        app.UseSerilogRequestLogging(o =>
        {
            o.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
            o.GetMessageTemplateProperties = (http, _, elapsed, status) =>
            [
                new("RequestMethod", new ScalarValue(http.Request.Method)),
                new("RequestPath", new ScalarValue(MaskNumbers(Uri.UnescapeDataString(http.Request.Path.ToString())))),
                new("StatusCode", new ScalarValue(status)),
                new("Elapsed", new ScalarValue(elapsed)),
            ];
        });
}
