namespace VoiceProxy.Calls;

internal static class CallsServices
{
    public static IServiceCollection AddCalls(this IServiceCollection services)
    {
        services.AddSingleton<CallValidation>();
        services.AddScoped<CallService>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, CallsJson.Default));
        return services;
    }
}
