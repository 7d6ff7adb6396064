using System.Net;

namespace VoiceProxy.Tests.Hosting;

/// <summary>The development-only demo keys never join a configuration that brings its own.</summary>
public sealed class DemoSettingsTests
{
    [Fact]
    public async Task DevelopmentRunWithItsOwnKeys_DemoKeysAreRefused()
    {
        using var service = ServiceProcess.WithOwnStore(new TestSettings()
            .Set("ASPNETCORE_ENVIRONMENT", "Development")
            .OneSeller("shop", "Shop Inc").ApiKey("own-supervisor", VoiceProxyApplication.SupervisorKey, "Supervisor"));
        await service.StartAsync(TimeSpan.FromSeconds(60));
        using var client = service.Client();

        async Task<HttpStatusCode> RegistryWith(string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/registry");
            request.Headers.Authorization = new("Bearer", key);
            return (await client.SendAsync(request)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await RegistryWith(VoiceProxyApplication.SupervisorKey));
        Assert.Equal(HttpStatusCode.Unauthorized, await RegistryWith("dev-only-supervisor-key"));
        Assert.Equal(HttpStatusCode.Unauthorized, await RegistryWith("dev-only-admin-key-0001"));
    }
}
