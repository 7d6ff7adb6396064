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

    [Fact]
    public void DataProtection_SharedKeysPath_TwoInstancesReadEachOthersCookies()
    {
        var keys = Directory.CreateTempSubdirectory("voiceproxy-keys-").FullName;
        try
        {
            using var first = new VoiceProxyApplication(new() { ["VoiceProxy:Deployment:DataProtectionKeysPath"] = keys });
            using var second = new VoiceProxyApplication(new() { ["VoiceProxy:Deployment:DataProtectionKeysPath"] = keys });

            var sealedByFirst = first.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test")
                .Protect("supervisor session");
            var opened = second.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test")
                .Unprotect(sealedByFirst);

            Assert.Equal("supervisor session", opened);
        }
        finally { Directory.Delete(keys, recursive: true); }
    }
}
