using Microsoft.Extensions.Options;
using Twilio.Clients;
using Twilio.Http;

namespace VoiceProxy.Telephony;

internal static class TwilioServices
{
    /// <summary>Twilio settings, the SDK's REST client over the named, resilient HTTP client, placement, reconciliation and
    /// the webhooks.</summary>
    public static IServiceCollection AddTwilio(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<TwilioOptions>().Bind(config.GetSection(TwilioOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TwilioOptions>, TwilioOptionsValidator>();
        services.AddSingleton<IPostConfigureOptions<TwilioOptions>, TwilioOptionsSetup>();
        services.AddTwilioHttp();
        services.AddSingleton<ITwilioRestClient>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<TwilioOptions>>().Value;
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient(TwilioHttp.ClientName);
            return new TwilioRestClient(o.EffectiveAccountSid, o.EffectiveAuthToken, httpClient: new SystemNetHttpClient(http));
        });
        services.AddSingleton<CallPlacer>();
        services.AddSingleton<CallReconciler>();
        services.AddHostedService(sp => sp.GetRequiredService<CallReconciler>());
        services.AddScoped<CallWebhooks>();
        return services;
    }

    /// <summary>Says loudly at start-up whether calls are real.</summary>
    public static void LogTwilioMode(this WebApplication app)
    {
        var twilio = app.Services.GetRequiredService<IOptions<TwilioOptions>>().Value;
        if (twilio.EffectiveMode == TwilioMode.Simulated && !app.Environment.IsDevelopment())
            app.Logger.LogWarning("Twilio mode is SIMULATED in {Environment} because Twilio:Mode=Simulated is set: " +
                "NO REAL CALLS WILL BE PLACED, and webhooks are checked against a random per-process token. " +
                "Remove Twilio:Mode and set Twilio:AccountSid and Twilio:AuthToken for Live mode.",
                app.Environment.EnvironmentName);
        else if (twilio.EffectiveMode == TwilioMode.Simulated)
            app.Logger.LogWarning("Twilio mode is SIMULATED: no real calls will be placed. " +
                "Set Twilio:AccountSid and Twilio:AuthToken for Live mode.");
        else
            app.Logger.LogInformation("Twilio mode is Live: calls are placed through {ApiBaseUrl}.", twilio.ApiBaseUrl);
    }
}
