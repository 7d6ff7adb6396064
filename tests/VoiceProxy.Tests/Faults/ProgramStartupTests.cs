namespace VoiceProxy.Tests.Faults;

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
}
