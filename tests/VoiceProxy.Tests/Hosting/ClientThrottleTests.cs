using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using VoiceProxy.Data;

namespace VoiceProxy.Tests.Hosting;

/// <summary>Traffic without a valid key is limited per client address: failures (bad or missing keys, bad webhook
/// signatures, refused sign-ins) are counted and an address over budget gets 429 with Retry-After before its 401s; a
/// valid key or a validly signed webhook from the same address still passes. Health has a rate of its own, and readiness
/// costs at most one write a second however often it is asked.</summary>
public sealed class ClientThrottleTests : ApplicationTests
{
    private const int Burst = 10;

    public ClientThrottleTests() : base(new TestSettings()
        .Set("VoiceProxy:Limits:Anonymous:FailureBurst", Burst.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .Set("VoiceProxy:Limits:Anonymous:FailuresPerMinute", "6")
        .Set("VoiceProxy:Limits:Anonymous:HealthBurst", "5")
        .Set("VoiceProxy:Limits:Anonymous:HealthPermitsPerSecond", "1")
        .Set("VoiceProxy:Limits:Anonymous:SignInFreeFailures", "3")
        .Set("VoiceProxy:Limits:Anonymous:SignInLockoutSeconds", "2")
        .Set("VoiceProxy:Limits:Anonymous:SignInMaxLockoutSeconds", "8")
        // The sealer's passes are units of the writer too: only its start-up pass, so the writer's count is the probes'.
        .Set("VoiceProxy:Audit:SealIntervalMilliseconds", "3600000")
        .BuildForApplication())
    {
    }

    private static void AssertTooMany(HttpResponseMessage response, TimeSpan atLeast)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter?.Delta >= atLeast, $"Retry-After {response.Headers.RetryAfter}");
    }

    [Fact]
    public async Task FloodOfBadKeys_429WithRetryAfterOnceOverBudget_GoodKeyStillServed()
    {
        var bad = App.ClientWithKey("not-a-key-anyone-has-000000000");
        var missing = App.CreateClient();

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < Burst + 5; i++) answers.Add(await (i % 2 == 0 ? bad : missing).GetAsync("/v1/registry"));
        var good = await App.ClientWithKey(VoiceProxyApplication.SupervisorKey).GetAsync("/v1/registry");
        var goodCall = await Acme.GetAsync($"/v1/consents/{ApiHelpers.Path(Phone)}");

        Assert.All(answers.Take(Burst), r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.All(answers.Skip(Burst), r => AssertTooMany(r, TimeSpan.FromSeconds(1)));
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal(HttpStatusCode.OK, goodCall.StatusCode);

        // Failures are earned back at the configured rate (6 a minute: one every 10 s).
        App.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.Unauthorized, (await bad.GetAsync("/v1/registry")).StatusCode);
        AssertTooMany(await bad.GetAsync("/v1/registry"), TimeSpan.FromSeconds(9));
    }

    [Fact]
    public async Task FloodOfBadSignatures_429_ValidlySignedWebhookStillServed()
    {
        await Acme.GrantAsync(Phone, "transactional");
        var (placed, call) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        Assert.Equal(HttpStatusCode.Created, placed);
        var id = (string)call["id"]!;
        var twilio = new TwilioWebhookClient(App.CreateClient());
        var status = new Dictionary<string, string>
        {
            ["CallSid"] = (string)call["twilioCallSid"]!, ["CallStatus"] = "ringing", ["SequenceNumber"] = "1",
        };

        var forged = new List<HttpStatusCode>();
        for (var i = 0; i < Burst + 3; i++)
            forged.Add((await twilio.PostAsync($"/twilio/status/{id}", status, signature: "bm90LWEtc2lnbmF0dXJl")).Status);
        using var unsigned = new HttpRequestMessage(HttpMethod.Post, $"/twilio/status/{id}")
        {
            Content = new FormUrlEncodedContent(status)
        };
        var unsignedAnswer = await App.CreateClient().SendAsync(unsigned);
        var (signed, _) = await twilio.PostAsync($"/twilio/status/{id}", status);

        Assert.All(forged.Take(Burst), s => Assert.Equal(HttpStatusCode.Forbidden, s));
        Assert.All(forged.Skip(Burst), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        AssertTooMany(unsignedAnswer, TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.NoContent, signed);
        Assert.Equal("ringing", (string?)(await Acme.GetJsonAsync($"/v1/calls/{id}")).Body["status"]);
    }

    [Fact]
    public async Task FloodOfBadSignIns_LockedOutForGrowingWindows_GoodKeyAfterTheWindow()
    {
        // Outside Development /supervisor is served over HTTPS only.
        var browser = App.CreateClient(new() { BaseAddress = new Uri("https://localhost") });
        var session = JsonNode.Parse(await browser.GetStringAsync("/supervisor/session"))!["antiforgery"]!;
        async Task<HttpResponseMessage> SignIn(string key) => await browser.PostAsync("/supervisor/sign-in",
            new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["key"] = key, [(string)session["field"]!] = (string)session["token"]!,
            }));

        var free = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++) free.Add((await SignIn("guess-" + i)).StatusCode);
        var fourth = await SignIn("guess-3");
        var lockedOut = await SignIn("guess-4");
        var goodWhileLocked = await SignIn(VoiceProxyApplication.SupervisorKey);
        App.Time.Advance(TimeSpan.FromSeconds(2));
        var afterFirstWindow = await SignIn("guess-5");
        var longer = await SignIn("guess-6");
        App.Time.Advance(TimeSpan.FromSeconds(4));
        var good = await SignIn(VoiceProxyApplication.SupervisorKey);

        Assert.All(free, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Equal(HttpStatusCode.Unauthorized, fourth.StatusCode);
        AssertTooMany(lockedOut, TimeSpan.FromSeconds(2));
        AssertTooMany(goodWhileLocked, TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, afterFirstWindow.StatusCode);
        AssertTooMany(longer, TimeSpan.FromSeconds(4));
        Assert.Equal(HttpStatusCode.NoContent, good.StatusCode);
    }

    [Fact]
    public async Task Health_OverItsRatePerAddress_429_ButAKeyedClientIsNotCounted()
    {
        var probe = App.CreateClient();

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 8; i++) answers.Add(await probe.GetAsync("/health/live"));
        var keyed = await App.ClientWithKey(VoiceProxyApplication.SupervisorKey).GetAsync("/health/live");

        Assert.All(answers.Take(5), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(answers.Skip(5), r => AssertTooMany(r, TimeSpan.FromSeconds(1)));
        Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);
    }

    [Fact]
    public async Task Readiness_AskedManyTimes_AtMostOneWritePerSecond()
    {
        var supervisor = App.ClientWithKey(VoiceProxyApplication.SupervisorKey);
        var writer = App.Services.GetRequiredService<StoreWriter>();
        Assert.Equal(HttpStatusCode.OK, (await supervisor.GetAsync("/health/ready")).StatusCode);
        App.Time.Advance(TimeSpan.FromSeconds(1));
        var before = writer.Units;

        // Within the key's own burst (100), so only the readiness cache is measured.
        var answers = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => supervisor.GetAsync("/health/ready")));
        var duringOneSecond = writer.Units - before;
        App.Time.Advance(TimeSpan.FromSeconds(1));
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => supervisor.GetAsync("/health/ready")));

        Assert.All(answers, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, duringOneSecond);
        Assert.Equal(2, writer.Units - before);
    }
}
