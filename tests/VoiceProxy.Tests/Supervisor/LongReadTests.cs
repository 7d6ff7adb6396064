using System.Net;
using System.Text.Json.Nodes;
using VoiceProxy.Compliance;
using VoiceProxy.Supervisor;

namespace VoiceProxy.Tests.Supervisor;

/// <summary>Exports, figures and audit verification are bounded: a default and a maximum range, a cap on how many one key
/// runs at once, short reads, and figures that never read the decisions.</summary>
public sealed class LongReadTests() : ApplicationTests(new Dictionary<string, string?>
{
    ["VoiceProxy:Limits:ConcurrentLongReadsPerKey"] = "1",
})
{
    private static readonly DateTimeOffset Now = VoiceProxyApplication.MondayMidday;

    private HttpClient Supervisor() => App.ClientWithKey(VoiceProxyApplication.SupervisorKey);

    private static string Instant(DateTimeOffset at) => Uri.EscapeDataString(at.ToString("O"));

    [Fact]
    public async Task ExportAndFigures_WithoutFrom_CoverTheLast24Hours()
    {
        App.Insert(ReviewData.Record(Now.AddHours(-1)), ReviewData.Record(Now.AddHours(-30)),
            ReviewData.Record(Now.AddDays(-3), allowed: false));
        using var supervisor = Supervisor();

        var csv = ReviewData.ParseCsv(await supervisor.GetStringAsync("/v1/calls/export"));
        var (_, figures) = await supervisor.GetJsonAsync("/v1/calls/figures");
        var (_, endingEarlier) = await supervisor.GetJsonAsync($"/v1/calls/figures?to={Instant(Now.AddHours(-24))}");

        Assert.Equal(2, csv.Count); // the header and the one call of the last 24 hours
        Assert.Equal(1, (int)figures["requested"]!);
        Assert.Equal(1, (int)endingEarlier["requested"]!); // the 24 hours before 'to'
    }

    [Theory]
    [InlineData("/v1/calls/export")]
    [InlineData("/v1/calls/figures")]
    public async Task ExportAndFigures_RangeLongerThanTheMaximum_400ProblemNamingTheSetting(string path)
    {
        using var supervisor = Supervisor();

        var fromOnly = await supervisor.GetAsync($"{path}?from={Instant(Now.AddDays(-32))}");
        var both = await supervisor.GetAsync($"{path}?from={Instant(Now.AddDays(-100))}&to={Instant(Now.AddDays(-60))}");
        var longest = await supervisor.GetAsync($"{path}?from={Instant(Now.AddDays(-31))}");

        foreach (var refused in new[] { fromOnly, both })
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
            Assert.Contains("VoiceProxy:Limits:MaxReviewRangeDays", (string?)problem["errors"]!["from"]![0]);
        }
        Assert.Equal(HttpStatusCode.OK, longest.StatusCode);
    }

    [Fact]
    public async Task Export_MoreRowsThanOneRead_EveryCallOnceNewestFirst()
    {
        var calls = Enumerable.Range(1, ReviewApi.ExportChunk * 2 + 7)
            .Select(i => ReviewData.Record(Now.AddSeconds(-i), to: $"+1415555{i % 10000:0000}")).ToArray();
        // Two calls at the same instant straddle a read boundary: the id orders them.
        calls[ReviewApi.ExportChunk] = ReviewData.Record(calls[ReviewApi.ExportChunk - 1].RequestedAt);
        App.Insert(calls);
        using var supervisor = Supervisor();

        var rows = ReviewData.ParseCsv(await supervisor.GetStringAsync("/v1/calls/export")).Skip(1).ToList();

        var expected = calls.OrderByDescending(c => c.RequestedAt).ThenByDescending(c => c.Id).Select(c => c.Id);
        Assert.Equal(expected, rows.Select(r => r[0]));
    }

    [Fact]
    public async Task LongReads_OneKeyOverItsCap_429WithRetryAfter_OtherKeysAndLaterRequestsServed()
    {
        // Enough rows that the export stays mid-stream while this test does not read it.
        App.Insert([.. Enumerable.Range(1, 6000).Select(i => ReviewData.Record(Now.AddSeconds(-i)))]);
        using var supervisor = Supervisor();
        using var admin = App.ClientWithKey(VoiceProxyApplication.AdminKey);

        var streaming = await supervisor.GetAsync("/v1/calls/export", HttpCompletionOption.ResponseHeadersRead);
        var figures = await supervisor.GetAsync("/v1/calls/figures");
        var verify = await supervisor.GetAsync("/v1/audit/verify");
        var otherKey = await admin.GetAsync("/v1/calls/figures");
        var list = await supervisor.GetAsync("/v1/calls"); // a page, not a long read
        var all = await streaming.Content.ReadAsStringAsync();
        streaming.Dispose();
        HttpResponseMessage after;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        do after = await supervisor.GetAsync("/v1/calls/figures");
        while (after.StatusCode == HttpStatusCode.TooManyRequests && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.OK, streaming.StatusCode);
        foreach (var refused in new[] { figures, verify })
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        }
        Assert.Equal(HttpStatusCode.OK, otherKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(6001, ReviewData.ParseCsv(all).Count);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Figures_CountReasonsFromTheirColumn_NeverFromTheDecision()
    {
        var blocked = ReviewData.Record(Now.AddHours(-1), allowed: false);
        // The decision stored without its reasons: figures, the list and the export still have the codes.
        App.Insert(new VoiceProxy.Data.CallRecord
        {
            Id = blocked.Id, Seller = blocked.Seller, To = blocked.To, From = blocked.From, Purpose = blocked.Purpose,
            Template = blocked.Template, Language = blocked.Language, VariablesJson = "{}", Allowed = false,
            DecisionJson = """{"allowed":false,"reasons":[]}""", Status = "blocked",
            ReasonCodes = $"{ReasonCodes.DncNational} {ReasonCodes.ConsentMissing}",
            RequestedAt = blocked.RequestedAt, UpdatedAt = blocked.UpdatedAt,
        });
        using var supervisor = Supervisor();

        var (_, figures) = await supervisor.GetJsonAsync("/v1/calls/figures");
        var (_, page) = await supervisor.GetJsonAsync("/v1/calls");
        var csv = ReviewData.ParseCsv(await supervisor.GetStringAsync("/v1/calls/export"));

        Assert.Equal(1, (int)figures["blockedByReason"]![ReasonCodes.DncNational]!);
        Assert.Equal(1, (int)figures["blockedByReason"]![ReasonCodes.ConsentMissing]!);
        Assert.Equal([ReasonCodes.DncNational, ReasonCodes.ConsentMissing],
            page["items"]![0]!["reasons"]!.AsArray().Select(r => (string)r!));
        Assert.Equal($"{ReasonCodes.DncNational};{ReasonCodes.ConsentMissing}", csv[1][9]);
    }

    [Fact]
    public async Task PlacedBlockedCall_ItsReasonCodesWrittenWithTheDecision()
    {
        await ReviewData.PlaceBlockedAsync(Acme, "+14155550124");

        var stored = App.Query(db => db.Calls.Single());

        Assert.Equal(ReasonCodes.ConsentMissing, stored.ReasonCodes);
    }
}
