using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace VoiceProxy.Tests.Hosting;

/// <summary>An unreachable or read-only database: 503, nothing placed, readiness fails; all recover with the database.</summary>
public sealed class DatabaseTroubleTests : IDisposable
{
    private const string Phone = "+14155550123";
    private readonly VoiceProxyApplication _app = new();
    private readonly HttpClient _acme;

    public DatabaseTroubleTests() => _acme = _app.Acme();

    public void Dispose() => _app.Dispose();

    private void UseConnection(string connection) =>
        _app.Services.GetRequiredService<IConfiguration>()["ConnectionStrings:VoiceProxy"] = connection;

    [Theory]
    [InlineData("read-only")]
    [InlineData("unreachable")]
    public async Task DatabaseDown_Calls503NothingPlacedReadyFails_ThenRecovers(string trouble)
    {
        await _acme.GrantAsync(Phone, "transactional");
        var good = $"Data Source={Path.Combine(_app.Folder, "voiceproxy.db")}";
        var client = _app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);

        UseConnection(trouble == "read-only" ? good + ";Mode=ReadOnly" : $"Data Source={Path.Combine(_app.Folder, "gone", "x.db")};Mode=ReadWrite");
        var (status, problem) = await _acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        var ready = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.EndsWith("/database-unavailable", (string?)problem["type"]);
        Assert.Empty(_app.CreateCallRequests);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);

        UseConnection(good);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone))).Status);
        Assert.Single(_app.CreateCallRequests);
    }
}
