using System.Net;
using System.Net.Http.Headers;

namespace VoiceProxy.Tests.Hosting;

/// <summary>Who may do what with which key. Refused requests and reads change nothing, so those tests share one application;
/// the two that write a seller's records have their own.</summary>
public sealed class AuthTests(SharedApplication shared) : ApplicationTests(shared), IClassFixture<SharedApplication>
{
    [Theory]
    [InlineData(null)]
    [InlineData("Bearer not-a-key-anyone-has")]
    [InlineData("Basic dGVzdDp0ZXN0")]
    [InlineData("Bearer ")]
    public async Task AnyV1Endpoint_MissingOrUnknownKey_Returns401Problem(string? header)
    {
        var client = App.CreateClient();
        if (header is not null) client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", header);

        var response = await client.GetAsync($"/v1/consents/{ApiHelpers.Path(Phone)}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData(VoiceProxyApplication.SupervisorKey, "POST", "/v1/calls")]
    [InlineData(VoiceProxyApplication.AdminKey, "POST", "/v1/consents")]
    [InlineData(VoiceProxyApplication.AcmeKey, "DELETE", "/v1/dnc/%2B14155550123")]
    [InlineData(VoiceProxyApplication.SupervisorKey, "DELETE", "/v1/dnc/%2B14155550123")]
    [InlineData(VoiceProxyApplication.AcmeKey, "GET", "/v1/registry")]
    public async Task Endpoint_WrongRole_Returns403Problem(string key, string method, string url)
    {
        var (status, body) = await App.ClientWithKey(key).SendAsync(new HttpMethod(method), url,
            new { phone = Phone, reason = "x" });

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(403, (int?)body["status"]);
    }

    [Fact]
    public async Task CallerKey_CannotReadOrChangeAnotherSellersData()
    {
        using var app = new VoiceProxyApplication(); // writes globex records, which the other counts
        var acme = app.Acme();
        var globex = app.ClientWithKey(VoiceProxyApplication.GlobexKey);
        await globex.GrantAsync(Phone, "transactional");
        await globex.PostJsonAsync("/v1/dnc", new { phone = Phone, reason = "asked" });

        var (ownStatus, own) = await acme.GetJsonAsync($"/v1/consents/{ApiHelpers.Path(Phone)}");
        var (otherStatus, _) = await acme.GetJsonAsync($"/v1/consents/{ApiHelpers.Path(Phone)}?seller=globex");
        var (dncStatus, dnc) = await acme.GetJsonAsync($"/v1/dnc/{ApiHelpers.Path(Phone)}");
        var (_, problem) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));

        Assert.Equal(HttpStatusCode.OK, ownStatus);
        Assert.Equal("acme", (string?)own["seller"]);
        Assert.Empty(own["history"]!.AsArray());
        Assert.Equal(HttpStatusCode.Forbidden, otherStatus);
        Assert.Equal(HttpStatusCode.OK, dncStatus);
        Assert.False((bool)dnc["internal"]!["listed"]!);
        Assert.Equal(["consent_missing"], problem.ReasonCodes());
    }

    [Fact]
    public async Task SupervisorKey_ReadsAnySellerItNames()
    {
        using var app = new VoiceProxyApplication(); // writes globex records, which the other counts
        var globex = app.ClientWithKey(VoiceProxyApplication.GlobexKey);
        await globex.GrantAsync(Phone, "transactional");
        var supervisor = app.ClientWithKey(VoiceProxyApplication.SupervisorKey);

        var (status, body) = await supervisor.GetJsonAsync($"/v1/consents/{ApiHelpers.Path(Phone)}?seller=globex");
        var (unnamed, _) = await supervisor.GetJsonAsync($"/v1/consents/{ApiHelpers.Path(Phone)}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Single(body["history"]!.AsArray());
        Assert.Equal(HttpStatusCode.BadRequest, unnamed);
    }

    [Fact]
    public async Task KeyGivenAsSha256_Authenticates()
    {
        var client = App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", VoiceProxyApplication.GlobexKey);
        var response = await client.GetAsync($"/v1/consents/{ApiHelpers.Path(Phone)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Health_NeedsNoKey()
    {
        var client = App.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }
}
