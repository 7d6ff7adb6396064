namespace VoiceProxy.Calls;

internal static class CallsServices
{
    public static IServiceCollection AddCalls(this IServiceCollection services)
    {
        services.AddSingleton<CallValidation>();
        services.AddScoped<CallService>();
        return services;
    }
}
