namespace VoiceProxy.Consent;

internal static class ConsentServices
{
    public static IServiceCollection AddConsent(this IServiceCollection services) => services.AddSingleton<OptOutService>();
}
