using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;

namespace VoiceProxy.Tests.Hosting;

/// <summary>What a newcomer reads before the first call: the OpenAPI document, the UI, readiness. The tests only read, so
/// they share one application.</summary>
public sealed class ApiDescriptionTests(SharedApplication shared) : ApplicationTests(shared), IClassFixture<SharedApplication>
{
    private static readonly string[] RefusalCodes = ["401", "403", "429"];

    [Fact]
    public async Task OpenApi_InDevelopment_DescribesPlaceCallWithItsResponses()
    {
        // Development also loads appsettings.Development.json, whose demo globex key is plain where the test's is a digest.
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:ApiKeys:1:Key"] = "" });
        using var development = app.WithWebHostBuilder(b => b.UseEnvironment("Development"));
        using var client = development.CreateClient();

        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;

        var responses = document["paths"]!["/v1/calls"]!["post"]!["responses"]!.AsObject();
        Assert.Equal("#/components/schemas/CallView",
            (string?)responses["201"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        Assert.Equal("#/components/schemas/HttpValidationProblemDetails",
            (string?)responses["400"]!["content"]!["application/problem+json"]!["schema"]!["$ref"]);
        Assert.Equal("#/components/schemas/ProblemDetails",
            (string?)responses["422"]!["content"]!["application/problem+json"]!["schema"]!["$ref"]);
        Assert.NotNull(document["components"]!["schemas"]!["CallRequestBody"]);
        Assert.DoesNotContain(document["paths"]!.AsObject(), p => p.Key.StartsWith("/twilio", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/scalar/")).StatusCode);
        Assert.Equal("bearer", (string?)document["components"]!["securitySchemes"]!["ApiKey"]!["scheme"]);
        Assert.NotNull(document["security"]![0]!["ApiKey"]);
        Assert.All(document["paths"]!.AsObject().Where(p => p.Key.StartsWith("/v1/", StringComparison.Ordinal))
            .SelectMany(p => p.Value!.AsObject()),
            operation => Assert.All(RefusalCodes, code => Assert.NotNull(operation.Value!["responses"]![code])));
    }

    [Fact]
    public async Task OpenApi_OutsideDevelopment_NotServed()
    {
        // Not even to a key (anonymously, a path with no route is a 401 like any route without a policy).
        using var client = App.ClientWithKey(VoiceProxyApplication.SupervisorKey);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/openapi/v1.json")).StatusCode);
    }

    [Fact]
    public async Task Ready_TemplatesLoaded_ReportsTemplatesCheck()
    {
        using var client = App.CreateClient();

        var response = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var checks = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["checks"]!.AsArray();
        Assert.Contains(checks, c => (string?)c!["name"] == "templates" && (string?)c["status"] == "Healthy");
        Assert.Contains(checks, c => (string?)c!["name"] == "database" && (string?)c["status"] == "Healthy");
    }
}
