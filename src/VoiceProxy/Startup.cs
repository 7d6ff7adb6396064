using Microsoft.Extensions.Options;
using VoiceProxy.Compliance;
using VoiceProxy.Data;
using VoiceProxy.DoNotCall;
using VoiceProxy.Infrastructure;
using VoiceProxy.Security;
using VoiceProxy.Telephony;
using VoiceProxy.Twiml;

namespace VoiceProxy;

/// <summary>What runs once between building the app and serving: everything that must be proven good before the first
/// request.</summary>
internal static class Startup
{
    /// <summary>Prepares the service, or says in one line per problem why it cannot start (a setting, a template) and gives
    /// the exit code; never a stack trace for a configuration mistake.</summary>
    public static int? TryPrepareVoiceProxy(this WebApplication app)
    {
        try
        {
            app.PrepareVoiceProxy();
            return null;
        }
        // Only when this is the program itself: a test host that runs Main wants the exception.
        catch (Exception e) when (e.GetBaseException() is OptionsValidationException or InvalidDataException
            && System.Reflection.Assembly.GetEntryAssembly() == typeof(Startup).Assembly)
        {
            var problems = e.GetBaseException() is OptionsValidationException invalid
                ? invalid.Failures
                : [e.GetBaseException().Message];
            foreach (var problem in problems) Console.Error.WriteLine($"error: {problem}");
            return 1;
        }
    }

    /// <summary>Validates every options section, applies migrations and loads templates, rule data and the registry.</summary>
    public static void PrepareVoiceProxy(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<VoiceProxyOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<TwilioOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<DeploymentOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<PrivacyOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<SupervisorSessionOptions>>().Value;
        // The registry's verification (a hash over every page of the snapshot) runs beside the rest, which is mostly
        // single-threaded: start-up takes the longer of the two instead of their sum.
        var registry = Task.Run(() => app.Services.GetRequiredService<IDncRegistry>());
        app.MigrateDatabase();
        app.Services.GetRequiredService<TemplateCatalog>();
        app.RecordRuleBook();
        app.WarnOfRuleDataEnding();
        foreach (var advisory in options.Advisories()) app.Logger.LogWarning("Configuration: {Advisory}", advisory);
        app.Services.GetRequiredService<NpaTable>();
        registry.GetAwaiter().GetResult();
        app.LogTwilioMode();
    }
}
