namespace VoiceProxy.Tests.Hosting;

/// <summary>The real program refuses a bad setting or an unknown command with one line and a non-zero exit, no stack
/// trace.</summary>
public sealed class ProgramStartupTests
{
    [Theory]
    [InlineData("VoiceProxy:OptOutDigit", "x", "error: VoiceProxy:OptOutDigit must be one digit 0-9.")]
    [InlineData("VoiceProxy:Sellers:0:CallbackNumber", "12345",
        "error: VoiceProxy:Sellers:0:CallbackNumber must be an E.164 number.")]
    // Read eagerly at registration, this one used to end start-up with a stack trace and exit code 134.
    [InlineData("VoiceProxy:Deployment:KnownProxies:0", "proxy.internal",
        "error: VoiceProxy:Deployment:KnownProxies:0 must be an IP address (was 'proxy.internal').")]
    public async Task BadSetting_OneLineErrorAndExitCode(string key, string value, string expected)
    {
        using var service = new ServiceProcess(Shop().Set("ConnectionStrings:VoiceProxy", "Data Source=:memory:").Set(key, value)
            .Build());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => service.StartAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains("VoiceProxy exited with 1", error.Message);
        Assert.Contains(expected, service.Output);
        Assert.DoesNotContain(service.Output, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("", "error: VoiceProxy:Audit:Key is not set")]
    [InlineData("c2hvcnQta2V5", "error: VoiceProxy:Audit:Key must be base64 of at least 32 random bytes")]
    [InlineData(VoiceProxy.Audit.AuditKeys.DevelopmentKey, "error: VoiceProxy:Audit:Key is the public development key")]
    public async Task Production_MissingOrWeakAuditKey_OneLineSayingHowToMakeOne(string key, string expected)
    {
        using var service = new ServiceProcess(Shop().Set("ConnectionStrings:VoiceProxy", "Data Source=:memory:")
            .Set("VoiceProxy:Audit:Key", key).Build());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => service.StartAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains("VoiceProxy exited with 1", error.Message);
        var line = Assert.Single(service.Output, l => l.StartsWith(expected, StringComparison.Ordinal));
        Assert.Contains("openssl rand -base64 32", line);
        Assert.DoesNotContain(service.Output, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact, System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Production_AuditKeyFileOthersCanRead_RefusedThenAcceptedOnceItIsTheServicesOnly()
    {
        var folder = Directory.CreateTempSubdirectory("voiceproxy-key-").FullName;
        try
        {
            var file = Path.Combine(folder, "audit.key");
            await File.WriteAllTextAsync(file, VoiceProxyApplication.AuditKey + "\n");
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            var settings = Shop().Set("ConnectionStrings:VoiceProxy", $"Data Source={Path.Combine(folder, "voiceproxy.db")}")
                .Set("VoiceProxy:Registry:Path", Path.Combine(folder, "registry"))
                .Set("VoiceProxy:Audit:Key", "").Set("VoiceProxy:Audit:KeyFile", file).Build();
            using var readable = new ServiceProcess(settings);

            await Assert.ThrowsAsync<InvalidOperationException>(() => readable.StartAsync(TimeSpan.FromSeconds(60)));
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            using var own = new ServiceProcess(settings);
            await own.StartAsync(TimeSpan.FromSeconds(60));
            own.Kill();

            Assert.Single(readable.Output,
                l => l.StartsWith("error: VoiceProxy:Audit:KeyFile ", StringComparison.Ordinal) && l.Contains("chmod 600"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task MalformedBody_LoggedAs400WithoutStackTrace()
    {
        using var service = ServiceProcess.WithOwnStore(Shop());
        await service.StartAsync(TimeSpan.FromSeconds(60));
        using var client = service.Client(VoiceProxyApplication.AcmeKey);

        var response = await client.PostAsync("/v1/calls",
            new StringContent("{\"to\":", System.Text.Encoding.UTF8, "application/json"));
        for (var deadline = DateTime.UtcNow.AddSeconds(10);
             !service.Output.Any(l => l.Contains("POST /v1/calls responded")) && DateTime.UtcNow < deadline;)
            await Task.Delay(50);
        service.Kill();

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(service.Output, l => l.Contains("POST /v1/calls responded 400"));
        Assert.DoesNotContain(service.Output,
            l => l.Contains("responded 500") || l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    /// <summary>One seller, "shop", and a caller key for it; Production without Twilio credentials, so Simulated on
    /// purpose.</summary>
    private static TestSettings Shop() =>
        new TestSettings().OneSeller("shop", "Shop Inc").ApiKey("caller", VoiceProxyApplication.AcmeKey, "Caller", "shop")
            .Set("Twilio:Mode", "Simulated");
}
