using Microsoft.Extensions.Options;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Twiml;

internal static class TwimlServices
{
    /// <summary>The templates (parsed and checked once), the renderer and the templates readiness check.</summary>
    public static IServiceCollection AddTwiml(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var path = sp.GetRequiredService<IOptions<VoiceProxyOptions>>().Value.TemplatesPath
                ?? Path.Combine(AppContext.BaseDirectory, "twiml-templates");
            return TemplateCatalog.Load(path);
        });
        services.AddSingleton<TwimlRenderer>();
        services.AddHealthChecks().AddCheck<TemplatesHealthCheck>("templates", tags: ["ready"]);
        return services;
    }
}
