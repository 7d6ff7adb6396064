using System.Net;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

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

    /// <summary>A file holding the key that encrypts the data-protection keys at rest: 32 random bytes in base64
    /// (<c>openssl rand -base64 32</c>), kept outside <see cref="DataProtectionKeysPath"/> and readable by the service
    /// alone. Required outside Development when that folder is set: whoever reads the folder could otherwise forge session
    /// cookies. Default none.</summary>
    public string? DataProtectionKeyEncryptionKeyFile { get; set; }
}

internal sealed class DeploymentOptionsValidator(IHostEnvironment environment) : IValidateOptions<DeploymentOptions>
{
    private const string KeyFile = $"{DeploymentOptions.Section}:DataProtectionKeyEncryptionKeyFile";

    public ValidateOptionsResult Validate(string? name, DeploymentOptions o)
    {
        var errors = o.KnownProxies.Select((proxy, i) => (proxy, i)).Where(p => !IPAddress.TryParse(p.proxy, out _))
            .Select(p => $"{DeploymentOptions.Section}:KnownProxies:{p.i} must be an IP address (was '{p.proxy}').").ToList();
        if (o.DataProtectionKeyEncryptionKeyFile is { Length: > 0 } file)
        {
            if (KeyEncryption.TryRead(file) is { Error: { } error }) errors.Add($"{KeyFile} {error}");
            if (o.DataProtectionKeysPath is { Length: > 0 } keys && Path.GetFullPath(file)
                    .StartsWith(Path.TrimEndingDirectorySeparator(Path.GetFullPath(keys)) + Path.DirectorySeparatorChar,
                        StringComparison.Ordinal))
                errors.Add($"{KeyFile} must be outside {DeploymentOptions.Section}:DataProtectionKeysPath, " +
                    "or it protects nothing.");
        }
        else if (o.DataProtectionKeysPath is { Length: > 0 } && !environment.IsDevelopment())
            errors.Add($"{KeyFile} is required when DataProtectionKeysPath is set (outside Development): the cookie keys " +
                "in that folder would be stored unencrypted. Make one with 'openssl rand -base64 32 > FILE', " +
                "outside the folder.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal static class DeploymentRegistration
{
    /// <summary>Trusted proxies for X-Forwarded-For/-Proto, and the shared folder of cookie-protection keys.</summary>
    public static IServiceCollection AddDeployment(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<DeploymentOptions>().Bind(config.GetSection(DeploymentOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeploymentOptions>, DeploymentOptionsValidator>();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<DeploymentOptions>>((f, deployment) =>
        {
            f.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            f.ForwardLimit = 1;
            f.KnownProxies.Clear();
            f.KnownIPNetworks.Clear();
            foreach (var proxy in deployment.Value.KnownProxies) f.KnownProxies.Add(IPAddress.Parse(proxy));
        });
        services.AddDataProtection();
        services.AddOptions<DataProtectionOptions>().Configure<IOptions<DeploymentOptions>>((d, deployment) =>
        {
            if (deployment.Value.DataProtectionKeysPath is { Length: > 0 }) d.ApplicationDiscriminator = "VoiceProxy";
        });
        services.AddOptions<KeyManagementOptions>()
            .Configure<IOptions<DeploymentOptions>, ILoggerFactory>((k, deployment, logs) =>
        {
            if (deployment.Value.DataProtectionKeysPath is { Length: > 0 } keys)
                k.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(keys), logs);
            if (deployment.Value.DataProtectionKeyEncryptionKeyFile is { Length: > 0 } file)
                k.XmlEncryptor = new KeyEncryption.Encryptor(KeyEncryption.Read(file));
        });
        services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(365));
        return services;
    }

    /// <summary>Believes X-Forwarded-For/-Proto from the configured proxies only (so cookies are Secure behind a TLS
    /// proxy); outside Development, answers over HTTPS (directly or through such a proxy) carry Strict-Transport-Security,
    /// so a browser that has seen the page never sends its session cookie in the clear.</summary>
    public static void UseDeploymentForwardedHeaders(this WebApplication app)
    {
        app.UseForwardedHeaders();
        if (!app.Environment.IsDevelopment()) app.UseHsts();
    }
}
