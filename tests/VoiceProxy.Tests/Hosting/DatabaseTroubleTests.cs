using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VoiceProxy.Data;

namespace VoiceProxy.Tests.Hosting;

/// <summary>An unreachable or read-only database: 503, nothing placed, readiness fails; all recover with the database.</summary>
public sealed class DatabaseTroubleTests : ApplicationTests
{
    private void UseConnection(string connection) =>
        App.Services.GetRequiredService<IConfiguration>()["ConnectionStrings:VoiceProxy"] = connection;

    [Theory]
    [InlineData("read-only")]
    [InlineData("unreachable")]
    public async Task DatabaseDown_Calls503NothingPlacedReadyFails_ThenRecovers(string trouble)
    {
        await Acme.GrantAsync(Phone, "transactional");
        var good = $"Data Source={Path.Combine(App.Folder, "voiceproxy.db")}";
        var client = App.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);

        UseConnection(trouble == "read-only" ? good + ";Mode=ReadOnly"
            : $"Data Source={Path.Combine(App.Folder, "gone", "x.db")};Mode=ReadWrite");
        var (status, problem) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        App.Time.Advance(DatabaseHealthCheck.Fresh); // readiness answers from one probe a second
        var ready = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.EndsWith("/database-unavailable", (string?)problem["type"]);
        Assert.Empty(App.CreateCallRequests);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);

        UseConnection(good);
        App.Time.Advance(DatabaseHealthCheck.Fresh);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone))).Status);
        Assert.Single(App.CreateCallRequests);
    }
}
