using System.Net;

namespace VoiceProxy.Tests.Hosting;

/// <summary>The development-only demo keys never join a configuration that brings its own.</summary>
public sealed class DemoSettingsTests
{
    [Fact]
    public async Task DevelopmentRunWithItsOwnKeys_DemoKeysAreRefused()
    {
        var folder = Directory.CreateTempSubdirectory("voiceproxy-demo-").FullName;
        using var service = new ServiceProcess(new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ConnectionStrings:VoiceProxy"] = $"Data Source={Path.Combine(folder, "voiceproxy.db")}",
            ["VoiceProxy:Registry:Path"] = Path.Combine(folder, "registry"),
            ["VoiceProxy:Sellers:0:Id"] = "shop", ["VoiceProxy:Sellers:0:LegalName"] = "Shop Inc",
            ["VoiceProxy:Sellers:0:CallbackNumber"] = "+18005550199", ["VoiceProxy:Sellers:0:CallerIds:0"] = "+14155550100",
            ["VoiceProxy:ApiKeys:0:Name"] = "own-supervisor", ["VoiceProxy:ApiKeys:0:Key"] = VoiceProxyApplication.SupervisorKey,
            ["VoiceProxy:ApiKeys:0:Role"] = "Supervisor",
        });
        await service.StartAsync(TimeSpan.FromSeconds(60));
        using var client = new HttpClient { BaseAddress = new Uri(service.BaseUrl) };

        async Task<HttpStatusCode> RegistryWith(string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/registry");
            request.Headers.Authorization = new("Bearer", key);
            return (await client.SendAsync(request)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await RegistryWith(VoiceProxyApplication.SupervisorKey));
        Assert.Equal(HttpStatusCode.Unauthorized, await RegistryWith("dev-only-supervisor-key"));
        Assert.Equal(HttpStatusCode.Unauthorized, await RegistryWith("dev-only-admin-key-0001"));
        service.Kill();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }
}
