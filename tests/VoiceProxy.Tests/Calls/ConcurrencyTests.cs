using System.Net;

namespace VoiceProxy.Tests.Calls;

/// <summary>Real parallel HTTP requests: caps hold exactly and one idempotency key places one call.</summary>
public sealed class ConcurrencyTests : ApplicationTests
{
    [Fact]
    public Task TwentyConcurrentMarketingRequests_CapOfThree_PlacesExactlyThree() => TwentyMarketingRequestsPlaceThreeAsync(App);

    /// <summary>Twenty marketing calls to one number at once: exactly three are placed, seventeen refused by the cap. Also run
    /// on each database provider (BothProvidersTests).</summary>
    internal static async Task TwentyMarketingRequestsPlaceThreeAsync(VoiceProxyApplication app)
    {
        using var acme = app.Acme();
        app.ImportRegistry("national", app.Today);
        await acme.GrantAsync(Phone, "marketing", "express_written");

        var results = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(_ => acme.PostJsonAsync("/v1/calls", ApiHelpers.Offer(Phone))));

        Assert.Equal(3, results.Count(r => r.Status == HttpStatusCode.Created));
        Assert.Equal(17, results.Count(r => r.Status == (HttpStatusCode)422
            && r.Body.ReasonCodes().SequenceEqual(["frequency_cap"])));
        Assert.Equal(3, app.CreateCallRequests.Count);
    }

    [Fact]
    public async Task CapAcrossTwoApiKeysOfOneSeller_HoldsExactly()
    {
        using var app = new VoiceProxyApplication(new()
        {
            ["VoiceProxy:ApiKeys:4:Name"] = "acme-second-app", ["VoiceProxy:ApiKeys:4:Key"] = "test-acme-second-key-0000001",
            ["VoiceProxy:ApiKeys:4:Role"] = "Caller", ["VoiceProxy:ApiKeys:4:Seller"] = "acme",
        });
        app.ImportRegistry("national", app.Today);
        var first = app.Acme();
        var second = app.ClientWithKey("test-acme-second-key-0000001");
        await first.GrantAsync(Phone, "marketing", "express_written");

        var results = await Task.WhenAll(Enumerable.Range(0, 10)
            .Select(i => (i % 2 == 0 ? first : second).PostJsonAsync("/v1/calls", ApiHelpers.Offer(Phone))));

        Assert.Equal(3, results.Count(r => r.Status == HttpStatusCode.Created));
        Assert.Equal(3, app.CreateCallRequests.Count);
    }

    [Fact]
    public async Task FiftyIdenticalRequestsWithOneKey_OneCallAndTheSameAnswerForAll()
    {
        await Acme.GrantAsync(Phone, "transactional");
        Acme.DefaultRequestHeaders.Add("Idempotency-Key", "order-A-1001-shipped");

        var results = await Task.WhenAll(Enumerable.Range(0, 50)
            .Select(_ => Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone))));

        Assert.All(results, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Single(results.Select(r => (string?)r.Body["id"]).Distinct());
        Assert.Single(App.CreateCallRequests);
        Assert.Equal(1, App.Query(db => db.Calls.Count()));
    }

    [Fact]
    public async Task ConcurrentRequestsForDifferentNumbers_AllPlaced()
    {
        var phones = Enumerable.Range(0, 20).Select(i => $"+1415555{i:D4}").ToList();
        foreach (var phone in phones) await Acme.GrantAsync(phone, "transactional");

        var results = await Task.WhenAll(phones.Select(p => Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(p))));

        Assert.All(results, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Equal(20, App.CreateCallRequests.Count);
    }
}
