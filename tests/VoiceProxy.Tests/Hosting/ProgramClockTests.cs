using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace VoiceProxy.Tests.Hosting;

/// <summary>The clock shift that real-process tests rely on works, and only in the Testing environment.</summary>
public sealed class ProgramClockTests
{
    [Theory]
    [InlineData("Testing", 5)]
    [InlineData("Production", 0)]
    public async Task ClockOffset_HonouredOnlyInTesting(string environment, int expectedShiftHours)
    {
        var folder = Directory.CreateTempSubdirectory("voiceproxy-clock-").FullName;
        using var service = new ServiceProcess(new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = environment, ["VoiceProxy:Testing:ClockOffsetHours"] = "5",
            ["ConnectionStrings:VoiceProxy"] = $"Data Source={Path.Combine(folder, "voiceproxy.db")}",
            ["VoiceProxy:Registry:Path"] = Path.Combine(folder, "registry"),
            ["VoiceProxy:Sellers:0:Id"] = "acme", ["VoiceProxy:Sellers:0:LegalName"] = "Acme Outdoor Supply",
            ["VoiceProxy:Sellers:0:CallbackNumber"] = "+18005550199", ["VoiceProxy:Sellers:0:CallerIds:0"] = "+14155550100",
            ["VoiceProxy:ApiKeys:0:Name"] = "caller", ["VoiceProxy:ApiKeys:0:Key"] = VoiceProxyApplication.AcmeKey,
            ["VoiceProxy:ApiKeys:0:Role"] = "Caller", ["VoiceProxy:ApiKeys:0:Seller"] = "acme",
        });
        await service.StartAsync(TimeSpan.FromSeconds(60));
        using var client = new HttpClient { BaseAddress = new Uri(service.BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", VoiceProxyApplication.AcmeKey);

        var decision = await (await client.PostAsJsonAsync("/v1/compliance/check", ApiHelpers.OrderUpdate("+14155550123"))).Content.ReadFromJsonAsync<JsonObject>();

        var shift = DateTimeOffset.Parse((string)decision!["evaluatedAt"]!) - DateTimeOffset.UtcNow;
        Assert.InRange(shift.TotalHours, expectedShiftHours - 0.1, expectedShiftHours + 0.1);
        service.Kill();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }
}
