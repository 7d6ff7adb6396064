namespace VoiceProxy.Tests.Hosting;

/// <summary>The real program refuses a bad setting or an unknown command with one line and a non-zero exit, no stack trace.</summary>
public sealed class ProgramStartupTests
{
    [Theory]
    [InlineData("VoiceProxy:OptOutDigit", "x", "error: VoiceProxy:OptOutDigit must be one digit 0-9.")]
    [InlineData("VoiceProxy:Sellers:0:CallbackNumber", "12345", "error: VoiceProxy:Sellers:0:CallbackNumber must be an E.164 number.")]
    public async Task BadSetting_OneLineErrorAndExitCode(string key, string value, string expected)
    {
        using var service = new ServiceProcess(new Dictionary<string, string>
        {
            ["ConnectionStrings:VoiceProxy"] = "Data Source=:memory:",
            ["VoiceProxy:Sellers:0:Id"] = "shop", ["VoiceProxy:Sellers:0:LegalName"] = "Shop Inc",
            ["VoiceProxy:Sellers:0:CallbackNumber"] = "+18005550199", ["VoiceProxy:Sellers:0:CallerIds:0"] = "+14155550100",
            ["VoiceProxy:ApiKeys:0:Name"] = "caller", ["VoiceProxy:ApiKeys:0:Key"] = VoiceProxyApplication.AcmeKey,
            ["VoiceProxy:ApiKeys:0:Role"] = "Caller", ["VoiceProxy:ApiKeys:0:Seller"] = "shop",
            [key] = value,
        });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => service.StartAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains("VoiceProxy exited with 1", error.Message);
        Assert.Contains(expected, service.Output);
        Assert.DoesNotContain(service.Output, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MalformedBody_LoggedAs400WithoutStackTrace()
    {
        var folder = Directory.CreateTempSubdirectory("voiceproxy-log-").FullName;
        using var service = new ServiceProcess(new Dictionary<string, string>
        {
            ["ConnectionStrings:VoiceProxy"] = $"Data Source={Path.Combine(folder, "voiceproxy.db")}",
            ["VoiceProxy:Registry:Path"] = Path.Combine(folder, "registry"),
            ["VoiceProxy:Sellers:0:Id"] = "shop", ["VoiceProxy:Sellers:0:LegalName"] = "Shop Inc",
            ["VoiceProxy:Sellers:0:CallbackNumber"] = "+18005550199", ["VoiceProxy:Sellers:0:CallerIds:0"] = "+14155550100",
            ["VoiceProxy:ApiKeys:0:Name"] = "caller", ["VoiceProxy:ApiKeys:0:Key"] = VoiceProxyApplication.AcmeKey,
            ["VoiceProxy:ApiKeys:0:Role"] = "Caller", ["VoiceProxy:ApiKeys:0:Seller"] = "shop",
        });
        await service.StartAsync(TimeSpan.FromSeconds(60));
        using var client = new HttpClient { BaseAddress = new Uri(service.BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", VoiceProxyApplication.AcmeKey);

        var response = await client.PostAsync("/v1/calls", new StringContent("{\"to\":", System.Text.Encoding.UTF8, "application/json"));
        for (var deadline = DateTime.UtcNow.AddSeconds(10); !service.Output.Any(l => l.Contains("POST /v1/calls responded")) && DateTime.UtcNow < deadline;)
            await Task.Delay(50);
        service.Kill();

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(service.Output, l => l.Contains("POST /v1/calls responded 400"));
        Assert.DoesNotContain(service.Output, l => l.Contains("responded 500") || l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }
}
