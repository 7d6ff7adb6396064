using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace VoiceProxy.Tests.Hosting;

/// <summary>Every response carries the browser protections, whoever answers it (static files, errors, 404s, the API), with a
/// policy fit for its kind; a route mapped without an authorization policy is not public.</summary>
public sealed class SecurityHeadersTests(SharedApplication shared) : ApplicationTests(shared), IClassFixture<SharedApplication>
{
    private const string DataPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private static void AssertProtected(HttpResponseMessage response, string policy)
    {
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal(policy, Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
    }

    /// <summary>Outside Development /supervisor is served over HTTPS only.</summary>
    private static readonly Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions Https =
        new() { BaseAddress = new Uri("https://localhost") };

    [Theory]
    [InlineData("/supervisor/app.js", "javascript")]
    [InlineData("/supervisor/app.css", "css")]
    public async Task StaticFile_CarriesTheHeaders(string path, string kind)
    {
        var response = await App.CreateClient(Https).GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(kind, response.Content.Headers.ContentType?.MediaType);
        AssertProtected(response, DataPolicy);
    }

    [Fact]
    public async Task StaticHtml_GetsThePagePolicy()
    {
        var response = await App.CreateClient(Https).GetAsync("/supervisor/index.html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertProtected(response, VoiceProxy.Infrastructure.SecurityHeaders.PagePolicy);
        Assert.Contains("script-src 'self'", VoiceProxy.Infrastructure.SecurityHeaders.PagePolicy);
    }

    [Fact]
    public async Task SupervisorPage_KeepsItsStrictPolicy()
    {
        var response = await App.CreateClient(Https).GetAsync("/supervisor/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertProtected(response, "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
            "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    }

    [Theory]
    [InlineData("/v1/calls/00000000-0000-0000-0000-000000000000", HttpStatusCode.NotFound)]
    [InlineData("/no/such/route", HttpStatusCode.NotFound)]
    [InlineData("/v1/consents/not-a-number", HttpStatusCode.BadRequest)]
    public async Task ErrorAnswers_CarryTheHeaders(string path, HttpStatusCode expected)
    {
        var response = await Acme.GetAsync(path);

        Assert.Equal(expected, response.StatusCode);
        AssertProtected(response, DataPolicy);
    }

    [Fact]
    public async Task Refusals_CarryTheHeaders()
    {
        var anonymous = await App.CreateClient().GetAsync("/v1/registry");
        var forbidden = await Acme.GetAsync("/v1/registry");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        AssertProtected(anonymous, DataPolicy);
        AssertProtected(forbidden, DataPolicy);
    }

    [Fact]
    public async Task RouteAddedWithoutAPolicy_RefusedAnonymouslyAndServedWithAKey()
    {
        using var withRoute = App.WithWebHostBuilder(b => b.ConfigureServices(s =>
            s.AddSingleton<IStartupFilter>(new MapAfterTheApp(routes => routes.MapGet("/test/forgotten", () => "secret")))));

        var anonymous = await withRoute.CreateClient().GetAsync("/test/forgotten");
        var withKey = withRoute.CreateClient();
        withKey.DefaultRequestHeaders.Authorization = new("Bearer", VoiceProxyApplication.AcmeKey);
        var keyed = await withKey.GetAsync("/test/forgotten");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.DoesNotContain("secret", await anonymous.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);
        Assert.Equal("secret", await keyed.Content.ReadAsStringAsync());
    }

    /// <summary>Maps a route on the application's own endpoints once Program has built its pipeline, as a route a later change
    /// forgets to protect would be.</summary>
    private sealed class MapAfterTheApp(Action<IEndpointRouteBuilder> map) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            map((IEndpointRouteBuilder)app.Properties["__EndpointRouteBuilder"]!);
        };
    }
}
