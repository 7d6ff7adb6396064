using System.Globalization;
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
        using var service = ServiceProcess.WithOwnStore(new TestSettings()
            .Set("ASPNETCORE_ENVIRONMENT", environment).Set("VoiceProxy:Testing:ClockOffsetHours", "5")
            .OneSeller().ApiKey("caller", VoiceProxyApplication.AcmeKey, "Caller", "acme").Set("Twilio:Mode", "Simulated"));
        await service.StartAsync(TimeSpan.FromSeconds(60));
        using var client = service.Client(VoiceProxyApplication.AcmeKey);

        var response = await client.PostAsJsonAsync("/v1/compliance/check", ApiHelpers.OrderUpdate("+14155550123"));
        var decision = await response.Content.ReadFromJsonAsync<JsonObject>();

        var shift = DateTimeOffset.Parse((string)decision!["evaluatedAt"]!, CultureInfo.InvariantCulture) - DateTimeOffset.UtcNow;
        Assert.InRange(shift.TotalHours, expectedShiftHours - 0.1, expectedShiftHours + 0.1);
    }
}
