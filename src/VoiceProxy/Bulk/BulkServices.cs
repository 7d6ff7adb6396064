using VoiceProxy.Infrastructure;

namespace VoiceProxy.Bulk;

internal static class BulkServices
{
    /// <summary>The scrubber and the replayer (per request: each holds its request's gatherer), and the rule books a replay
    /// may name.</summary>
    public static IServiceCollection AddBulk(this IServiceCollection services)
    {
        services.AddScoped<Scrubber>();
        services.AddScoped<Replayer>();
        services.AddScoped<IRuleBooks, StoredRules>();
        services.AddLongReads();
        return services;
    }
}
