namespace VoiceProxy.Tests.Hosting;

/// <summary>Client-controlled text reaches the log with its control characters escaped: a %0A in a path cannot start a line
/// of its own that looks like the service's.</summary>
public sealed class LogInjectionTests
{
    [Fact]
    public async Task PathWithEncodedLineBreaks_LoggedOnOneLineEscaped()
    {
        using var service = ServiceProcess.WithOwnStore(new TestSettings().OneSeller("shop", "Shop Inc")
            .ApiKey("caller", VoiceProxyApplication.AcmeKey, "Caller", "shop").Set("Twilio:Mode", "Simulated"));
        await service.StartAsync(TimeSpan.FromSeconds(60));
        using var anonymous = service.Client();
        using var caller = service.Client(VoiceProxyApplication.AcmeKey);
        const string forged = "[12:00:00 INF] HTTP POST /v1/dnc responded 204 in 1.0 ms";

        var refused = await anonymous.GetAsync("/v1/calls/x%0D%0A" + Uri.EscapeDataString(forged));
        var unknown = await caller.GetAsync("/v1/dnc/%0A" + Uri.EscapeDataString(forged) + "%1B%5B31m");
        var webhook = await anonymous.PostAsync("/twilio/voice/x%0A" + Uri.EscapeDataString(forged),
            new FormUrlEncodedContent([]));
        for (var deadline = DateTime.UtcNow.AddSeconds(10);
             service.Output.Count(l => l.Contains("responded", StringComparison.Ordinal)) < 3 && DateTime.UtcNow < deadline;)
            await Task.Delay(50);
        service.Kill();

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.True((int)unknown.StatusCode is >= 400 and < 500);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, webhook.StatusCode);
        Assert.DoesNotContain(service.Output, l => l.StartsWith("[12:00:00 INF]", StringComparison.Ordinal));
        Assert.DoesNotContain(service.Output, l => l.Contains('\u001b'));
        Assert.Contains(service.Output,
            l => l.Contains(@"GET /v1/calls/x\r\n[12:00:00 INF] HTTP POST", StringComparison.Ordinal));
        Assert.Contains(service.Output, l => l.Contains(
            @"GET /v1/dnc/\n[12:00:00 INF] HTTP POST /v1/dnc responded 204 in 1.0 ms\u001B[31m", StringComparison.Ordinal));
        Assert.Contains(service.Output, l => l.Contains("Webhook refused", StringComparison.Ordinal)
            && l.Contains(@"/twilio/voice/x\n[12:00:00 INF]", StringComparison.Ordinal));
    }
}
