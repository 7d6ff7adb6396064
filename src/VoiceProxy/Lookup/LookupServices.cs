using Microsoft.Extensions.Options;
using VoiceProxy.Telephony;

namespace VoiceProxy.Lookup;

internal static class LookupServices
{
    /// <summary>Twilio Lookup: its settings, its own resilient client (answered in-process in Simulated mode), the shared
    /// cache, and the count of cache hits.</summary>
    public static IServiceCollection AddLookup(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<LookupOptions>().Bind(config.GetSection(LookupOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LookupOptions>, LookupOptionsValidator>();
        services.AddLookupHttp(
            sp => new SimulatedLookup(sp.GetRequiredService<ILogger<SimulatedLookup>>()),
            sp => TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<LookupOptions>>().Value.TimeoutSeconds));
        services.AddSingleton<LookupClient>();
        services.AddSingleton<LookupHitCounter>();
        services.AddHostedService(sp => sp.GetRequiredService<LookupHitCounter>());
        services.AddScoped<LookupService>();
        return services;
    }
}
