using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Options;
using VoiceProxy.Telephony;

namespace VoiceProxy.Tests.Hosting;

/// <summary>Simulated Twilio and the demo keys stay in development: outside it, missing Twilio credentials stop start-up
/// unless Simulated mode is asked for (and then said loudly), the simulated signing token is nobody's to know, the demo keys
/// are refused, and a published build does not carry them.</summary>
public sealed class ProductionModeTests
{
    /// <summary>One seller, "shop", and a strong caller key for it; no Twilio credentials.</summary>
    private static TestSettings Shop() =>
        new TestSettings().OneSeller("shop", "Shop Inc").ApiKey("caller", VoiceProxyApplication.AcmeKey, "Caller", "shop");

    [Fact]
    public async Task Production_NoTwilioCredentials_StartUpRefusedInOneLine()
    {
        using var service = ServiceProcess.WithOwnStore(Shop());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => service.StartAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains("VoiceProxy exited with 1", error.Message);
        Assert.Contains("error: Twilio:AccountSid and Twilio:AuthToken are required outside Development; set both for Live " +
            "mode, or set Twilio:Mode=Simulated to run with no real calls.", service.Output);
        Assert.DoesNotContain(service.Output, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Production_ExplicitlySimulated_StartsAndWarnsLoudly()
    {
        using var service = ServiceProcess.WithOwnStore(Shop().Set("Twilio:Mode", "Simulated"));

        await service.StartAsync(TimeSpan.FromSeconds(60));

        Assert.Contains(service.Output, l => l.Contains("WRN] Twilio mode is SIMULATED in Production because " +
            "Twilio:Mode=Simulated is set: NO REAL CALLS WILL BE PLACED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SimulatedOutsideDevelopment_TheOldPublicTokenForgesNothing()
    {
        using var app = new VoiceProxyApplication(new() { ["Twilio:Mode"] = "Simulated", ["Twilio:AuthToken"] = null });
        using var other = new VoiceProxyApplication(new() { ["Twilio:Mode"] = "Simulated", ["Twilio:AuthToken"] = null });
        var webhooks = new TwilioWebhookClient(app.CreateClient(), authToken: "simulated-auth-token");

        var (status, _) = await webhooks.PostAsync("/twilio/inbound",
            new() { ["From"] = "+14155550123", ["To"] = "+18005550198" });

        Assert.Equal(HttpStatusCode.Forbidden, status);
        var token = Token(app);
        Assert.NotEqual("simulated-auth-token", token);
        Assert.True(token.Length >= 40);
        Assert.NotEqual(token, Token(other));
    }

    private static string Token(VoiceProxyApplication app)
    {
        _ = app.CreateClient();
        return ((IOptions<TwilioOptions>)app.Services.GetService(typeof(IOptions<TwilioOptions>))!).Value.EffectiveAuthToken;
    }

    [Theory]
    [InlineData("dev-only-supervisor-key")]
    [InlineData("dev-only-admin-key-0001")]
    public async Task Production_DemoKeyConfigured_StartUpRefused(string demoKey)
    {
        using var service = ServiceProcess.WithOwnStore(Shop().Set("Twilio:Mode", "Simulated")
            .ApiKey("demo", demoKey, "Supervisor"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => service.StartAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains("VoiceProxy exited with 1", error.Message);
        Assert.Contains(service.Output, l => l.StartsWith("error: VoiceProxy:ApiKeys:1:Key is a well-known key, which is " +
            "refused outside Development", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Publish_LeavesTheDevelopmentSettingsOut()
    {
        var output = Directory.CreateTempSubdirectory("voiceproxy-publish-").FullName;
        try
        {
            var project = Path.Combine(Repository.Root, "src", "VoiceProxy", "VoiceProxy.csproj");
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<Configuration>/net10.0
            using var publish = Process.Start(new ProcessStartInfo("dotnet",
                // Without ReadyToRun: the build's own output is what is published, no compiling here.
                ["publish", project, "--no-build", "--no-restore", "-c", configuration, "-o", output, "-nologo",
                    "-p:PublishReadyToRun=false"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true,
            })!;
            var log = await publish.StandardOutput.ReadToEndAsync() + await publish.StandardError.ReadToEndAsync();
            await publish.WaitForExitAsync();

            Assert.True(publish.ExitCode == 0, log);
            Assert.True(File.Exists(Path.Combine(output, "VoiceProxy.dll")));
            Assert.True(File.Exists(Path.Combine(output, "appsettings.json")));
            Assert.False(File.Exists(Path.Combine(output, "appsettings.Development.json")));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
