using System.Net;
using Microsoft.AspNetCore.Hosting;

namespace VoiceProxy.Tests.Privacy;

/// <summary>The retention sweep erases personal data older than VoiceProxy:Privacy:RetentionDays, and nothing younger; it
/// runs in the background on the injected clock.</summary>
public sealed class RetentionTests()
    : ApplicationTests(new Dictionary<string, string?> { ["VoiceProxy:Privacy:RetentionDays"] = "1" })
{
    private const string Newer = "+14155550124";

    [Fact]
    public async Task Retention_ErasesOnlyWhatIsOlderThanThePeriod()
    {
        var supervisor = App.ClientWithKey(VoiceProxyApplication.SupervisorKey);
        await Acme.GrantAsync(Phone, "transactional", "express_written");
        var (_, old) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        // Short steps: the fake clock fires every timer of the service (the reconciler's every 30 s) on the way.
        App.Time.Advance(TimeSpan.FromHours(23)); // Tuesday 09:00 in California
        await Acme.GrantAsync(Newer, "transactional", "express_written");
        var (_, recent) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Newer));
        Assert.True(recent["id"] is not null, recent.ToJsonString());

        // 25 hours after the first person's records, 2 after the second's: the sweep's timer fires on the fake clock.
        App.Time.Advance(TimeSpan.FromHours(2));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!App.Query(db => db.AuditEvents.Any(e => e.Type == "privacy.expired")))
        {
            Assert.True(DateTime.UtcNow < deadline, "The retention sweep did not run.");
            await Task.Delay(50);
        }

        var (_, oldCall) = await supervisor.GetJsonAsync($"/v1/calls/{(string)old["id"]!}");
        var (_, newCall) = await supervisor.GetJsonAsync($"/v1/calls/{(string)recent["id"]!}");
        var (_, oldConsent) = await supervisor.GetJsonAsync($"/v1/consents/{ApiHelpers.Path(Phone)}?seller=acme");
        var (_, newConsent) = await supervisor.GetJsonAsync($"/v1/consents/{ApiHelpers.Path(Newer)}?seller=acme");
        Assert.StartsWith("erased:", (string?)oldCall["to"]);
        Assert.Equal("erased", (string?)oldCall["events"]![0]!["detail"]!["personal"]);
        Assert.Equal(Newer, (string?)newCall["to"]);
        Assert.Equal(Newer, (string?)newCall["events"]![0]!["detail"]!["to"]);
        // The old consent's evidence is gone, but the grant still counts: the ledger finds it by the erased marker.
        Assert.Equal("erased", (string?)oldConsent["history"]![0]!["evidence"]);
        Assert.Equal("granted", (string?)oldConsent["current"]!["transactional"]!["state"]);
        Assert.Contains("Not a condition of purchase", (string?)newConsent["history"]![0]!["evidence"]!["disclosureText"]);
        Assert.DoesNotContain(App.Query(db => db.Calls.Select(c => c.To).ToList()), to => to == Phone);
        Assert.Empty(App.Query(db => db.PersonalData.Where(p => p.At < App.Time.GetUtcNow().AddDays(-1)).ToList()));
        Assert.NotEmpty(App.Query(db => db.PersonalData.ToList()));
        var (_, verified) = await supervisor.VerifySealedAsync();
        Assert.True((bool)verified["ok"]!, verified.ToJsonString());
    }
}

/// <summary>The pseudonym key: required outside Development, with a message saying how to make one.</summary>
public sealed class PseudonymKeyTests
{
    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("c2hvcnQta2V5")]
    public void Startup_MissingOrWeakPseudonymKeyOutsideDevelopment_FailsSayingHowToMakeOne(string key)
    {
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:Privacy:PseudonymKey"] = key });

        var error = Assert.ThrowsAny<Exception>(app.CreateClient);

        var message = Assert.IsType<Microsoft.Extensions.Options.OptionsValidationException>(error.GetBaseException()).Message;
        Assert.Contains("VoiceProxy:Privacy:PseudonymKey", message);
        Assert.Contains("openssl rand -base64 32", message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("40000")]
    public void Startup_RetentionOutOfRange_FailsNamingTheKey(string days)
    {
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:Privacy:RetentionDays"] = days });

        var error = Assert.ThrowsAny<Exception>(app.CreateClient);

        Assert.Contains("VoiceProxy:Privacy:RetentionDays", error.GetBaseException().Message);
    }

    [Fact]
    public async Task Startup_InDevelopmentWithoutAKey_Starts()
    {
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:Privacy:PseudonymKey"] = null });
        using var development = app.WithWebHostBuilder(b => b.UseEnvironment("Development"));

        var response = await development.CreateClient().GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
