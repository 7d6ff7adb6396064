using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace VoiceProxy.Tests.Deployment;

/// <summary>The settings for several instances behind a reverse proxy.</summary>
public sealed class DeploymentTests
{
    [Fact]
    public void ForwardedHeaders_NoProxyConfigured_TrustsNobody()
    {
        using var app = new VoiceProxyApplication();

        var options = app.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;

        Assert.Empty(options.KnownProxies);
        Assert.Empty(options.KnownIPNetworks);
        Assert.Equal(ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto, options.ForwardedHeaders);
    }

    [Fact]
    public void ForwardedHeaders_ConfiguredProxy_OnlyThatAddressTrusted()
    {
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:Deployment:KnownProxies:0"] = "10.0.0.5" });

        var options = app.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;

        Assert.Equal([IPAddress.Parse("10.0.0.5")], options.KnownProxies);
    }

    [Fact]
    public void Startup_ProxyNotAnAddress_FailsNamingTheKey()
    {
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:Deployment:KnownProxies:0"] = "proxy.internal" });

        var e = Assert.ThrowsAny<Exception>(app.CreateClient);

        Assert.Contains("VoiceProxy:Deployment:KnownProxies:0 must be an IP address", e.ToString());
    }

    /// <summary>A key-encryption key file outside the keys folder, as an operator would make it (made-up bytes).</summary>
    private static string KeyEncryptionKeyFile(string folder)
    {
        var file = Path.Combine(folder, "dp-kek");
        File.WriteAllText(file, Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)(i * 11 + 3)).ToArray()));
        return file;
    }

    [Fact]
    public void DataProtection_SharedKeysPath_TwoInstancesReadEachOthersCookies_KeysEncryptedAtRest()
    {
        var keys = Directory.CreateTempSubdirectory("voiceproxy-keys-").FullName;
        var secrets = Directory.CreateTempSubdirectory("voiceproxy-secrets-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["VoiceProxy:Deployment:DataProtectionKeysPath"] = keys,
            ["VoiceProxy:Deployment:DataProtectionKeyEncryptionKeyFile"] = KeyEncryptionKeyFile(secrets),
        };
        try
        {
            using var first = new VoiceProxyApplication(settings);
            using var second = new VoiceProxyApplication(settings);

            var sealedByFirst = first.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test")
                .Protect("supervisor session");
            var opened = second.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test")
                .Unprotect(sealedByFirst);

            Assert.Equal("supervisor session", opened);
            var stored = Directory.GetFiles(keys, "*.xml").Select(File.ReadAllText).ToList();
            Assert.NotEmpty(stored);
            Assert.All(stored, xml => Assert.Contains("<encryptedKey", xml));
            Assert.All(stored, xml => Assert.DoesNotContain("<masterKey", xml));
        }
        finally
        {
            Directory.Delete(keys, recursive: true);
            Directory.Delete(secrets, recursive: true);
        }
    }

    [Fact]
    public void DataProtection_KeysFolderWithoutEncryptionOutsideDevelopment_RefusesToStart()
    {
        var keys = Directory.CreateTempSubdirectory("voiceproxy-keys-").FullName;
        try
        {
            using var app = new VoiceProxyApplication(new() { ["VoiceProxy:Deployment:DataProtectionKeysPath"] = keys });

            var error = Assert.ThrowsAny<Exception>(app.CreateClient);

            Assert.Contains("VoiceProxy:Deployment:DataProtectionKeyEncryptionKeyFile is required",
                error.GetBaseException().Message);
            Assert.Empty(Directory.GetFiles(keys));
        }
        finally { Directory.Delete(keys, recursive: true); }
    }

    [Fact]
    public void DataProtection_EncryptionKeyInsideTheKeysFolder_RefusesToStart()
    {
        var keys = Directory.CreateTempSubdirectory("voiceproxy-keys-").FullName;
        try
        {
            using var app = new VoiceProxyApplication(new()
            {
                ["VoiceProxy:Deployment:DataProtectionKeysPath"] = keys,
                ["VoiceProxy:Deployment:DataProtectionKeyEncryptionKeyFile"] = KeyEncryptionKeyFile(keys),
            });

            var error = Assert.ThrowsAny<Exception>(app.CreateClient);

            Assert.Contains("must be outside VoiceProxy:Deployment:DataProtectionKeysPath", error.GetBaseException().Message);
        }
        finally { Directory.Delete(keys, recursive: true); }
    }
}
