using System.Net;
using System.Text;

namespace VoiceProxy.Tests.Hosting;

public sealed class LimitTests
{
    [Fact]
    public async Task ApiKeyOverItsRate_Gets429WithRetryAfterAndOtherKeysAreUnaffected()
    {
        using var app = new VoiceProxyApplication(new()
        {
            ["VoiceProxy:Limits:PermitsPerSecond"] = "1",
            ["VoiceProxy:Limits:Burst"] = "3"
        });
        var acme = app.Acme();

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 5; i++) responses.Add(await acme.GetAsync("/v1/consents/%2B14155550123"));
        var other = await app.ClientWithKey(VoiceProxyApplication.GlobexKey).GetAsync("/v1/consents/%2B14155550123");

        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.All(limited, r => Assert.True(r.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1)));
        Assert.Equal("application/problem+json", limited[0].Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task BodyOver64KB_Gets413ProblemAndNothingRecorded()
    {
        using var app = new VoiceProxyApplication();
        var json = $$"""{"phone":"+14155550123","reason":"{{new string('x', 70_000)}}"}""";

        var response = await app.Acme().PostAsync("/v1/dnc", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, app.Query(db => db.DncEntries.Count()));
    }
}
