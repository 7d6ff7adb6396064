using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace VoiceProxy.Infrastructure;

internal static class OptionsServices
{
    /// <summary>The VoiceProxy section, validated at start-up with messages that name the full key, the pseudonyms and the
    /// clock.</summary>
    public static IServiceCollection AddVoiceProxyOptions(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<VoiceProxyOptions>().Bind(config.GetSection(VoiceProxyOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<VoiceProxyOptions>, VoiceProxyOptionsValidator>();
        // The privacy settings and the keyed pseudonym that stands for a person in the audit chain and in erased records.
        services.AddOptions<PrivacyOptions>().Bind(config.GetSection(PrivacyOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PrivacyOptions>, PrivacyOptionsValidator>();
        services.AddSingleton<Pseudonyms>();
        services.TryAddSingleton(sp => ClockFor(sp.GetRequiredService<IHostEnvironment>(), config));
        return services;
    }

    /// <summary>The real clock. Tests that run the real program as a process (where no fake clock can be injected) may shift
    /// it with VoiceProxy:Testing:ClockOffsetHours, which is honoured only in the Testing environment.</summary>
    private static TimeProvider ClockFor(IHostEnvironment environment, IConfiguration config) =>
        environment.IsEnvironment("Testing")
        && config.GetValue<double?>("VoiceProxy:Testing:ClockOffsetHours") is { } hours and not 0
            ? new ShiftedClock(TimeSpan.FromHours(hours))
            : TimeProvider.System;

    private sealed class ShiftedClock(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }
}
