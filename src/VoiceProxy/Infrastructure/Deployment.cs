using System.Net;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;

namespace VoiceProxy.Infrastructure;

/// <summary>Settings for running several instances behind a reverse proxy (section VoiceProxy:Deployment).</summary>
public sealed class DeploymentOptions
{
    public const string Section = "VoiceProxy:Deployment";

    /// <summary>Addresses of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed. Default none:
    /// the headers are ignored, so a client cannot claim to be another address or to have used HTTPS.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>A folder every instance shares (like the registry folder) for the keys that protect the supervisor page's
    /// session and anti-forgery cookies, so a cookie issued by one instance is accepted by the others. Default none: keys
    /// stay per machine, which is right for one instance.</summary>
    public string? DataProtectionKeysPath { get; set; }
}

internal static class DeploymentRegistration
{
    public static IServiceCollection AddDeployment(this IServiceCollection services, IConfiguration config)
    {
        var o = config.GetSection(DeploymentOptions.Section).Get<DeploymentOptions>() ?? new();
        var proxies = new List<IPAddress>();
        for (var i = 0; i < o.KnownProxies.Count; i++)
            proxies.Add(IPAddress.TryParse(o.KnownProxies[i], out var ip) ? ip
                : throw new InvalidOperationException($"{DeploymentOptions.Section}:KnownProxies:{i} must be an IP address (was '{o.KnownProxies[i]}')."));
        services.Configure<ForwardedHeadersOptions>(f =>
        {
            f.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            f.ForwardLimit = 1;
            f.KnownProxies.Clear();
            f.KnownIPNetworks.Clear();
            foreach (var ip in proxies) f.KnownProxies.Add(ip);
        });
        if (o.DataProtectionKeysPath is { Length: > 0 } keys)
            services.AddDataProtection().SetApplicationName("VoiceProxy").PersistKeysToFileSystem(new DirectoryInfo(keys));
        return services;
    }

    /// <summary>Believes X-Forwarded-For/-Proto from the configured proxies only (so cookies are Secure behind a TLS proxy).</summary>
    public static void UseDeploymentForwardedHeaders(this WebApplication app) => app.UseForwardedHeaders();
}
