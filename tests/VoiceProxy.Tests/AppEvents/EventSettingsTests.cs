using Microsoft.Extensions.Options;
using VoiceProxy.AppEvents;

namespace VoiceProxy.Tests.AppEvents;

/// <summary>A subscription with a bad URL, secret or event type stops start-up naming the key; the retry schedule, table by
/// table.</summary>
public sealed class EventSettingsTests
{
    private const string Key = "VoiceProxy:Sellers:0:Webhooks:0";

    [Theory]
    [InlineData("Url", "not a url")]
    [InlineData("Url", "ftp://127.0.0.1/hooks")]
    [InlineData("Url", "http://shop.example/hooks")]
    [InlineData("Url", "https://user:pass@shop.example/hooks")]
    [InlineData("Url", "")]
    [InlineData("Secret", "")]
    [InlineData("Secret", "bWFkZS11cC13ZWJob29rLXNpZ25pbmcta2V5LTAwMDE=")]
    [InlineData("Secret", "whsec_not base64!")]
    [InlineData("Secret", "whsec_c2hvcnQtc2hvcnQtc2hvcnQ=")]
    [InlineData("Events:0", "call.answered")]
    public void Startup_BadSubscription_FailsNamingTheKey(string field, string value)
    {
        using var app = new VoiceProxyApplication(new()
        {
            [$"{Key}:Url"] = "https://shop.example/hooks", [$"{Key}:Secret"] = WebhookReceiver.Secret,
            [$"{Key}:{field}"] = value,
        });

        var error = Assert.ThrowsAny<Exception>(app.CreateClient);

        var validation = Assert.IsType<OptionsValidationException>(error.GetBaseException());
        Assert.Contains($"{Key}:{field}", validation.Message);
    }

    [Theory]
    [InlineData("https://shop.example/hooks")]
    [InlineData("http://127.0.0.1:9/hooks")]
    [InlineData("http://localhost:9/hooks")]
    public void Startup_GoodSubscription_Starts(string url)
    {
        using var app = new VoiceProxyApplication(new() { [$"{Key}:Url"] = url, [$"{Key}:Secret"] = WebhookReceiver.Secret });

        using var client = app.CreateClient();
    }

    [Fact]
    public void Startup_SameUrlTwice_FailsNamingTheList()
    {
        using var app = new VoiceProxyApplication(new()
        {
            [$"{Key}:Url"] = "https://shop.example/hooks", [$"{Key}:Secret"] = WebhookReceiver.Secret,
            ["VoiceProxy:Sellers:0:Webhooks:1:Url"] = "https://shop.example/hooks",
            ["VoiceProxy:Sellers:0:Webhooks:1:Secret"] = WebhookReceiver.Secret,
        });

        var error = Assert.ThrowsAny<Exception>(app.CreateClient);

        Assert.Contains("VoiceProxy:Sellers:0:Webhooks lists a URL twice", error.GetBaseException().Message);
    }

    [Theory]
    [InlineData(1, 0.5, 5)]
    [InlineData(1, 0.0, 4.5)]
    [InlineData(1, 0.999999, 5.5)]
    [InlineData(2, 0.5, 300)]
    [InlineData(3, 0.5, 1800)]
    [InlineData(4, 0.5, 7200)]
    [InlineData(5, 0.5, 18000)]
    [InlineData(6, 0.5, 36000)]
    [InlineData(7, 0.5, 36000)]
    [InlineData(7, 0.0, 32400)]
    public void RetrySchedule_WaitAfterEachFailedAttempt(int attempts, double random, double seconds) =>
        Assert.Equal(seconds, RetrySchedule.After(attempts, random)!.Value.TotalSeconds, 2);

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(9)]
    public void RetrySchedule_AfterTheEighthAttempt_NoMore(int attempts) => Assert.Null(RetrySchedule.After(attempts, 0.5));
}
