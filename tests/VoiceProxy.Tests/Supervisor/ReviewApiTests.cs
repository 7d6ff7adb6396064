using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using VoiceProxy.Infrastructure;
using VoiceProxy.Supervisor;

namespace VoiceProxy.Tests.Supervisor;

public sealed class ReviewApiTests : ApplicationTests
{
    private readonly HttpClient _supervisor;

    public ReviewApiTests() => _supervisor = App.ClientWithKey(VoiceProxyApplication.SupervisorKey);

    private static IEnumerable<string> Ids(JsonNode page) => page["items"]!.AsArray().Select(i => (string)i!["id"]!);

    [Fact]
    public async Task List_CallsThroughTheGate_NewestFirstWithBlockReasons()
    {
        var allowed = await ReviewData.PlaceAllowedAsync(Acme, "+14155550123");
        App.Time.Advance(TimeSpan.FromMinutes(5));
        var blocked = await ReviewData.PlaceBlockedAsync(Acme, "+14155550124");

        var (status, page) = await _supervisor.GetJsonAsync("/v1/calls");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([blocked, allowed], Ids(page));
        var first = page["items"]![0]!;
        Assert.False((bool)first["allowed"]!);
        Assert.Equal("blocked", (string?)first["status"]);
        Assert.Equal(["consent_missing"], first["reasons"]!.AsArray().Select(r => (string)r!));
        Assert.Empty(page["items"]![1]!["reasons"]!.AsArray());
        Assert.Null(page["nextCursor"]);
    }

    [Fact]
    public async Task List_EachFilter_NarrowsToMatchingCalls()
    {
        var t = VoiceProxyApplication.MondayMidday;
        var a = ReviewData.Record(t.AddHours(-3), to: "+14155550111");
        var b = ReviewData.Record(t.AddHours(-2), to: "+14155550122", allowed: false);
        var c = ReviewData.Record(t.AddHours(-1), to: "+14155550111", seller: "globex", optedOut: true, answeredBy: "human");
        App.Insert(a, b, c);

        async Task<IEnumerable<string>> Filter(string query)
        {
            var (status, page) = await _supervisor.GetJsonAsync("/v1/calls?" + query);
            Assert.Equal(HttpStatusCode.OK, status);
            return Ids(page);
        }

        Assert.Equal([b.Id], await Filter("allowed=false"));
        Assert.Equal([c.Id, a.Id], await Filter("allowed=true"));
        Assert.Equal([b.Id], await Filter("status=blocked"));
        Assert.Equal([c.Id, b.Id, a.Id], await Filter("status=completed,blocked"));
        Assert.Equal([c.Id, a.Id], await Filter("phone=%2B14155550111"));
        Assert.Equal([c.Id], await Filter("seller=globex"));
        Assert.Equal([c.Id], await Filter("optedOut=true"));
        Assert.Equal([b.Id, a.Id], await Filter("optedOut=false"));
        var from = Uri.EscapeDataString(t.AddHours(-2).ToString("O"));
        var to = Uri.EscapeDataString(t.AddHours(-1).ToString("O"));
        Assert.Equal([b.Id], await Filter($"from={from}&to={to}"));
        Assert.Equal([c.Id, b.Id], await Filter($"from={from}"));
        Assert.Equal([a.Id], await Filter($"to={from}&seller=acme"));
    }

    [Fact]
    public async Task List_Paging_VisitsEveryCallOnceWhileNewCallsArrive()
    {
        var t = VoiceProxyApplication.MondayMidday.AddHours(-1);
        // Pairs share an instant, so the id must break the tie for the cursor to be exact.
        var calls = Enumerable.Range(0, 25).Select(i => ReviewData.Record(t.AddSeconds(i / 2))).ToArray();
        App.Insert(calls);

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var (status, page) = await _supervisor.GetJsonAsync("/v1/calls?limit=10" + (cursor is null ? ""
                : "&cursor=" + cursor));
            Assert.Equal(HttpStatusCode.OK, status);
            seen.AddRange(Ids(page));
            cursor = (string?)page["nextCursor"];
            pages++;
            App.Insert(ReviewData.Record(VoiceProxyApplication.MondayMidday.AddSeconds(pages)));
        }
        while (cursor is not null);

        var expected = calls.OrderByDescending(c => c.RequestedAt).ThenByDescending(c => c.Id, StringComparer.Ordinal)
            .Select(c => c.Id);
        Assert.Equal(3, pages);
        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task List_BadFilters_ValidationProblemNamingEachField()
    {
        var (status, problem) =
            await _supervisor.GetJsonAsync(
                "/v1/calls?status=lost&allowed=maybe&phone=4155550123&seller=initech&limit=0&cursor=nonsense&from=yesterday");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = problem["errors"]!.AsObject().Select(e => e.Key).Order();
        Assert.Equal(["allowed", "cursor", "from", "limit", "phone", "seller", "status"], errors);
    }

    [Fact]
    public async Task ReviewEndpoints_CallerKey_Forbidden()
    {
        foreach (var url in new[] { "/v1/calls", "/v1/calls/export", "/v1/calls/figures" })
        {
            var response = await Acme.GetAsync(url);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
        var anonymous = await App.CreateClient().GetAsync("/v1/calls");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Routes_ExportAndFiguresBesideCallById_EachReachesItsOwnHandler()
    {
        var id = await ReviewData.PlaceBlockedAsync(Acme, "+14155550124");

        var export = await _supervisor.GetAsync("/v1/calls/export");
        var figures = await _supervisor.GetJsonAsync("/v1/calls/figures");
        var byId = await _supervisor.GetJsonAsync($"/v1/calls/{id}");
        var place = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate("+14155550125"));

        Assert.Equal("text/csv", export.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, (int)figures.Body["requested"]!);
        Assert.Equal(id, (string?)byId.Body["id"]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, place.Status);
    }

    [Fact]
    public async Task Export_Filters_CsvWithHeaderAndOneRowPerCallNewestFirst()
    {
        var allowed = await ReviewData.PlaceAllowedAsync(Acme, "+14155550123");
        App.Time.Advance(TimeSpan.FromMinutes(1));
        var blocked = await ReviewData.PlaceBlockedAsync(Acme, "+14155550124");

        var all = await _supervisor.GetAsync("/v1/calls/export");
        var onlyBlocked = ReviewData.ParseCsv(await _supervisor.GetStringAsync("/v1/calls/export?allowed=false"));

        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal("utf-8", all.Content.Headers.ContentType?.CharSet);
        Assert.StartsWith("calls-", all.Content.Headers.ContentDisposition?.FileNameStar
            ?? all.Content.Headers.ContentDisposition?.FileName);
        var rows = ReviewData.ParseCsv(await all.Content.ReadAsStringAsync());
        Assert.Equal(CallCsv.Header, rows[0]);
        Assert.Equal([blocked, allowed], rows.Skip(1).Select(r => r[0]));
        var column = (string name) => Array.IndexOf(CallCsv.Header, name);
        Assert.Equal("consent_missing", rows[1][column("reasons")]);
        Assert.Equal("'+14155550124", rows[1][column("to")]);
        Assert.Equal("2026-11-30T18:01:00.0000000Z", rows[1][column("requested_at")]);
        Assert.Equal(2, onlyBlocked.Count);
        Assert.Equal(blocked, onlyBlocked[1][0]);
    }

    [Fact]
    public async Task Export_CellsWithQuotesCommasLineBreaksAndFormulas_QuotedAndNeutralised()
    {
        var at = VoiceProxyApplication.MondayMidday;
        var formula = ReviewData.Record(at, template: "=HYPERLINK(\"http://evil.example\",\"click\")", answeredBy: "@SUM(A1:A9)");
        var awkward = ReviewData.Record(at.AddSeconds(-1), template: "line one\r\nline \"two\", three", answeredBy: "-1+1");
        var plus = ReviewData.Record(at.AddSeconds(-2), template: "+cmd|' /C calc'!A0", answeredBy: "\tTAB");
        App.Insert(formula, awkward, plus);

        var text = await _supervisor.GetStringAsync("/v1/calls/export");
        var rows = ReviewData.ParseCsv(text);

        var template = Array.IndexOf(CallCsv.Header, "template");
        var answeredBy = Array.IndexOf(CallCsv.Header, "answered_by");
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.Equal(CallCsv.Header.Length, r.Length));
        Assert.Equal("'=HYPERLINK(\"http://evil.example\",\"click\")", rows[1][template]);
        Assert.Equal("'@SUM(A1:A9)", rows[1][answeredBy]);
        Assert.Equal("line one\r\nline \"two\", three", rows[2][template]);
        Assert.Equal("'-1+1", rows[2][answeredBy]);
        Assert.Equal("'+cmd|' /C calc'!A0", rows[3][template]);
        Assert.Equal("'\tTAB", rows[3][answeredBy]);
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\"", text);
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("=1+2", "'=1+2")]
    [InlineData("=1,2", "\"'=1,2\"")]
    [InlineData("x=1", "x=1")]
    public void CsvCell_Value_WrittenAsRfc4180(string? value, string expected)
    {
        var line = new StringBuilder();
        Csv.AppendCell(line, value);
        Assert.Equal(expected, line.ToString());
    }

    [Fact]
    public async Task Figures_Range_CountsRequestedPlacedBlockedByReasonOptedOutAndAnswered()
    {
        var t = VoiceProxyApplication.MondayMidday;
        App.Insert(
            ReviewData.Record(t.AddHours(-1), answeredBy: "human", optedOut: true),
            ReviewData.Record(t.AddHours(-2), answeredBy: "machine_end_beep"),
            ReviewData.Record(t.AddHours(-3), allowed: false),
            ReviewData.Record(t.AddDays(-3), allowed: false));
        App.Time.Advance(TimeSpan.FromMinutes(1));
        await ReviewData.PlaceBlockedAsync(Acme, "+14155550124");

        var from = Uri.EscapeDataString(t.AddDays(-1).ToString("O"));
        var (status, figures) = await _supervisor.GetJsonAsync($"/v1/calls/figures?from={from}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(4, (int)figures["requested"]!);
        Assert.Equal(2, (int)figures["placed"]!);
        Assert.Equal(2, (int)figures["blocked"]!);
        Assert.Equal(1, (int)figures["blockedByReason"]!["dnc_internal"]!);
        Assert.Equal(1, (int)figures["blockedByReason"]!["consent_missing"]!);
        Assert.Equal(1, (int)figures["optedOut"]!);
        Assert.Equal(1, (int)figures["answered"]!["human"]!);
        Assert.Equal(1, (int)figures["answered"]!["machine"]!);
    }

    [Fact]
    public async Task ReviewApi_NeverChangesTheStore()
    {
        await ReviewData.PlaceBlockedAsync(Acme, "+14155550124");
        var before = App.Query(db => (db.Calls.Count(), db.AuditEvents.Count(), db.Calls.AsNoTracking().Single().UpdatedAt));

        await _supervisor.GetStringAsync("/v1/calls/export");
        await _supervisor.GetJsonAsync("/v1/calls");
        await _supervisor.GetJsonAsync("/v1/calls/figures");

        Assert.Equal(before, App.Query(db => (db.Calls.Count(), db.AuditEvents.Count(),
            db.Calls.AsNoTracking().Single().UpdatedAt)));
    }
}
