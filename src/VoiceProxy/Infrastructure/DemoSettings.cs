using Microsoft.Extensions.Configuration.Json;

namespace VoiceProxy.Infrastructure;

/// <summary>appsettings.Development.json carries demo sellers and development-only keys for the quickstart. They apply only
/// to a demo: a run that configures its own sellers, keys or Twilio credentials gets none of them (configuration arrays
/// merge by index, so they would otherwise add the demo keys to the real ones). Outside Development the file is never read,
/// whoever added it (the host adds it only in Development; a published build does not carry it), and its keys are on the
/// well-known list that start-up refuses there (KeyStrength).</summary>
internal static class DemoSettings
{
    public static WebApplicationBuilder KeepDemoSettingsToDemos(this WebApplicationBuilder builder, string[] args)
    {
        var own = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        var configuresItself = own.GetSection("VoiceProxy:Sellers").Exists() || own.GetSection("VoiceProxy:ApiKeys").Exists()
            || !string.IsNullOrEmpty(own["Twilio:AccountSid"]) || !string.IsNullOrEmpty(own["Twilio:AuthToken"]);
        var demo = builder.Configuration.Sources.OfType<JsonConfigurationSource>()
            .FirstOrDefault(s => s.Path == $"appsettings.{Environments.Development}.json");
        if ((configuresItself || !builder.Environment.IsDevelopment()) && demo is not null)
            builder.Configuration.Sources.Remove(demo);
        return builder;
    }
}
