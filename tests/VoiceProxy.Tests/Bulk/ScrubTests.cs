using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Tests.Bulk;

/// <summary>POST /v1/compliance/scrub: the decisions of POST /v1/compliance/check for a whole list, streamed in order.</summary>
public sealed class ScrubTests() : ApplicationTests(new Dictionary<string, string?>
{
    ["VoiceProxy:Limits:PermitsPerSecond"] = "100000", ["VoiceProxy:Limits:Burst"] = "100000",
})
{
    private static readonly string[] Purposes = ["marketing", "transactional"];
    private static readonly DateTimeOffset Sunday = new(2026, 11, 29, 18, 0, 0, TimeSpan.Zero);

    private static StringContent Ndjson(IEnumerable<object> rows) =>
        new(string.Join('\n', rows.Select(r => JsonSerializer.Serialize(r))) + "\n", Encoding.UTF8, "application/x-ndjson");

    private async Task<List<JsonNode>> ScrubAsync(HttpContent body, string query = "")
    {
        var response = await Acme.PostAsync("/v1/compliance/scrub" + query, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType!.MediaType);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
    }

    /// <summary>A generated list over area codes of states with and without windows, lists and Sunday bans, an unknown area
    /// code, every consent history, internal and registry listings, a number at its cap, customer states and zones; scrubbed
    /// on a Monday and a Sunday. Every row's answer is the dry run's, and between them they give every reason a scrub can
    /// give (caller_id_not_allowed cannot arise: a scrub calls from the seller's own number).</summary>
    [Fact]
    public async Task Scrub_GeneratedSet_SameDecisionsAsCheck()
    {
        string[] areas = ["415", "512", "305", "205", "212", "238"];
        var numbers = Enumerable.Range(0, 48).Select(i => $"+1{areas[i % areas.Length]}555{i:0000}").ToList();
        App.ImportRegistry(RegistryLists.National, App.Today.AddDays(-3), numbers.Where((_, i) => i % 3 == 0).ToArray());
        App.ImportRegistry(RegistryLists.State("TX"), App.Today.AddDays(-2), numbers.Where((_, i) => i % 2 == 1).ToArray());
        App.ImportRegistry(RegistryLists.State("FL"), App.Today.AddDays(-40), []);
        for (var i = 0; i < numbers.Count; i++)
        {
            var n = numbers[i];
            switch (i / 6 % 5)
            {
                case 1: await Acme.GrantAsync(n, "transactional"); break;
                case 2: await Acme.GrantAsync(n, "marketing"); break;
                case 3:
                    await Acme.GrantAsync(n, "marketing", "express_written");
                    await Acme.GrantAsync(n, "transactional");
                    break;
                case 4:
                    await Acme.GrantAsync(n, "transactional");
                    await Acme.PostJsonAsync("/v1/consents/revocations", new { phone = n, channel = "email" });
                    break;
            }
            if (i % 7 == 0) await Acme.PostJsonAsync("/v1/dnc", new { phone = n, reason = "asked" });
        }
        var capped = numbers[18]; // 415, written consent, on the national list (exempt)
        for (var c = 0; c < 3; c++)
            Assert.Equal(HttpStatusCode.Created, (await Acme.PostJsonAsync("/v1/calls", ApiHelpers.Offer(capped))).Status);

        var rows = numbers.SelectMany((n, i) => Purposes.Select(p => new
        {
            phone = n, purpose = p, state = i % 5 == 1 ? "FL" : null, timeZone = i % 5 == 2 ? "Asia/Tokyo" : null,
            @ref = $"{n}/{p}",
        })).ToList();
        var seen = new HashSet<string>();
        foreach (var at in new[] { VoiceProxyApplication.MondayMidday, Sunday })
        {
            var answers = await ScrubAsync(Ndjson(rows), "?at=" + Uri.EscapeDataString(at.ToString("O")));
            Assert.Equal(rows.Count, answers.Count);
            for (var r = 0; r < rows.Count; r++)
            {
                var row = rows[r];
                var customer = row.state is null && row.timeZone is null ? null : new { row.state, row.timeZone };
                var body = row.purpose == "marketing" ? ApiHelpers.Offer(row.phone, customer)
                    : ApiHelpers.OrderUpdate(row.phone, customer: customer);
                var json = JsonSerializer.SerializeToNode(body)!.AsObject();
                json["at"] = at;
                var (status, check) = await Acme.PostJsonAsync("/v1/compliance/check", json);
                Assert.Equal(HttpStatusCode.OK, status);
                var answer = answers[r];
                Assert.Equal(r + 1, (int)answer["row"]!);
                Assert.Equal(row.@ref, (string?)answer["ref"]);
                Assert.Equal((bool)check["allowed"]!, (bool)answer["allowed"]!);
                var codes = check["reasons"]!.AsArray().Select(x => (string)x!["code"]!).Distinct().ToList();
                Assert.Equal(codes, answer["reasons"]!.AsArray().Select(x => (string)x!));
                Assert.Equal((DateTimeOffset?)check["nextAllowedAt"], (DateTimeOffset?)answer["nextAllowedAt"]);
                seen.UnionWith(codes);
            }
        }
        Assert.Equal(["adad_not_allowed", "consent_insufficient", "consent_missing", "consent_revoked", "dnc_internal",
            "dnc_national", "dnc_state", "frequency_cap", "outside_calling_hours", "registry_stale", "restricted_day",
            "unknown_location"], seen.Order());
    }

    [Fact]
    public async Task Scrub_CsvBothWays_BadRowsAnsweredInOrderAndAudited()
    {
        App.ImportRegistry(RegistryLists.National, App.Today.AddDays(-3), []);
        await Acme.GrantAsync("+14155550101", "transactional");
        const string csv = "Ref,phone,purpose,state,extra\r\n" +
            "a,+14155550101,,,x\r\n" +
            "b,415-555-0102\r\n" +
            "\r\n" +
            "\"c, quoted\",+14155550103,gifts\r\n" +
            "d,+14155550104,,ZZ\r\n" +
            "\"e,+14155550105\r\n" +
            "f,+14155550106,marketing,TX\r\n";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/compliance/scrub?purpose=transactional")
        {
            Content = new StringContent(csv, Encoding.UTF8, "text/csv"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));

        var response = await Acme.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("row,ref,phone,allowed,reasons,next_allowed_at,error", lines[0]);
        Assert.Equal("1,a,'+14155550101,true,,,", lines[1]);
        Assert.StartsWith("2,b,,,,,phone must be an E.164 number", lines[2], StringComparison.Ordinal);
        Assert.Equal("3,\"c, quoted\",,,,,purpose must be 'transactional' or 'marketing'.", lines[3]);
        Assert.Equal("4,d,,,,,state must be a two-letter US state code.", lines[4]);
        Assert.Equal("5,,,,,,The row has an unclosed quote.", lines[5]);
        Assert.Equal("6,f,'+14155550106,false,consent_missing;registry_stale;adad_not_allowed,,", lines[6]);
        Assert.Equal(7, lines.Length);

        var audit = App.Query(db => db.AuditEvents.AsNoTracking().Single(e => e.Type == "compliance.scrubbed"));
        var payload = JsonNode.Parse(audit.PayloadJson)!;
        Assert.Equal("acme-app", audit.Actor);
        Assert.Equal("acme", audit.Seller);
        Assert.Equal(6, (int)payload["rows"]!);
        Assert.Equal(1, (int)payload["allowed"]!);
        Assert.Equal(1, (int)payload["blocked"]!);
        Assert.Equal(4, (int)payload["errors"]!);
        Assert.Equal(1, (int)payload["reasons"]!["registry_stale"]!);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(csv))), (string?)payload["sha256"]);
        Assert.DoesNotContain("555", audit.PayloadJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrub_NdjsonBadLines_ErrorLinesAndTheRestGoOn()
    {
        var body = new StringContent("{\"phone\":\"+14155550101\",\"ref\":\"x\"}\nnot json\n[1]\n{\"phone\":5}\n" +
            "{\"phone\":\"+14155550102\",\"purpose\":\"marketing\"}", Encoding.UTF8, "application/x-ndjson");

        var answers = await ScrubAsync(body, "?purpose=transactional");

        Assert.Equal(["consent_missing"], answers[0]["reasons"]!.AsArray().Select(x => (string)x!));
        Assert.Equal("The line is not JSON.", (string?)answers[1]["error"]);
        Assert.Equal("Each line must be one JSON object.", (string?)answers[2]["error"]);
        Assert.Equal("'phone' must be a string.", (string?)answers[3]["error"]);
        Assert.Equal(5, (int)answers[4]["row"]!);
        Assert.Contains("registry_stale", answers[4]["reasons"]!.AsArray().Select(x => (string)x!));
    }

    /// <summary>Lookup only when asked: with lookup=true each row gets the reassigned-number and line-type answers (Simulated
    /// mode's documented test numbers), the same as compliance/check on the same store; without it, those checks are not
    /// applicable. (A "yes" revokes the consent it was asked about, so the dry runs are taken on a second, fresh
    /// store.)</summary>
    [Fact]
    public async Task Scrub_LookupTrue_SameAnswersAsCheck_LookupFalseLeavesThemOut()
    {
        string[] phones = ["+14155550133", "+14155550111", "+14155550123"];
        async Task<HttpClient> Granted(VoiceProxyApplication app)
        {
            var acme = app.Acme();
            foreach (var phone in phones) await acme.GrantAsync(phone, "transactional");
            return acme;
        }
        static async Task<List<string[]>> Reasons(HttpResponseMessage response) =>
            (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonNode.Parse(l)!["reasons"]!.AsArray().Select(r => (string)r!).ToArray()).ToList();
        using var scrubbed = new VoiceProxyApplication(new() { ["Twilio:Mode"] = "Simulated" });
        using var checkedApp = new VoiceProxyApplication(new() { ["Twilio:Mode"] = "Simulated" });
        using var scrubber = await Granted(scrubbed);
        using var checker = await Granted(checkedApp);
        var rows = Ndjson(phones.Select(p => new { phone = p, purpose = "transactional" }));

        var without = await Reasons(await scrubber.PostAsync("/v1/compliance/scrub", rows));
        var with = await Reasons(await scrubber.PostAsync("/v1/compliance/scrub?lookup=true", rows));

        Assert.All(without, Assert.Empty);
        Assert.Equal([["number_reassigned"], ["line_type_not_allowed"], []], with);
        foreach (var (phone, reasons) in phones.Zip(with))
        {
            var (_, check) = await checker.PostJsonAsync("/v1/compliance/check", ApiHelpers.OrderUpdate(phone));
            Assert.Equal(check.ReasonCodes(), reasons);
        }
    }

    [Fact]
    public async Task Scrub_Refusals_ProblemsAndNothingRecorded()
    {
        var rows = Ndjson([new { phone = Phone, purpose = "transactional" }]);
        Assert.Equal(HttpStatusCode.Forbidden, (await Acme.PostAsync("/v1/compliance/scrub?seller=globex", rows)).StatusCode);
        using var supervisor = App.ClientWithKey(VoiceProxyApplication.SupervisorKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await supervisor.PostAsync("/v1/compliance/scrub", rows)).StatusCode);
        var json = new StringContent("[]", Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Acme.PostAsync("/v1/compliance/scrub", json)).StatusCode);
        var noPhone = new StringContent("number\n+14155550101\n", Encoding.UTF8, "text/csv");
        Assert.Equal(HttpStatusCode.BadRequest, (await Acme.PostAsync("/v1/compliance/scrub", noPhone)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Acme.PostAsync("/v1/compliance/scrub?lookup=yes", rows)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Acme.PostAsync("/v1/compliance/scrub?purpose=sales", rows)).StatusCode);
        Assert.Equal(0, App.Query(db => db.AuditEvents.Count(e => e.Type == "compliance.scrubbed")));
    }

    /// <summary>Over real HTTP (Kestrel on loopback, a chunked body written by hand): two rows sent, their answers read, and
    /// only then the third row and the body's end.</summary>
    [Fact]
    public async Task Scrub_FirstAnswersArriveBeforeTheBodyIsSent()
    {
        using var app = new VoiceProxyApplication();
        var address = new Uri(app.StartOnLoopback());
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        var stream = tcp.GetStream();
        async Task SendAsync(string text) => await stream.WriteAsync(Encoding.UTF8.GetBytes(text));
        static string Chunk(string data) => $"{Encoding.UTF8.GetByteCount(data):x}\r\n{data}\r\n";
        var received = new StringBuilder();
        async Task ReadUntilAsync(string expected)
        {
            var buffer = new byte[4096];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (!received.ToString().Contains(expected, StringComparison.Ordinal))
                received.Append(Encoding.UTF8.GetString(buffer, 0, await stream.ReadAsync(buffer, timeout.Token)));
        }

        await SendAsync("POST /v1/compliance/scrub?purpose=transactional HTTP/1.1\r\nHost: localhost\r\n" +
            $"Authorization: Bearer {VoiceProxyApplication.AcmeKey}\r\nContent-Type: application/x-ndjson\r\n" +
            "Transfer-Encoding: chunked\r\n\r\n" + Chunk("{\"phone\":\"+14155550101\"}\n{\"phone\":\"+14155550102\"}\n"));
        await ReadUntilAsync("\"row\":2");
        var early = received.ToString();
        await SendAsync(Chunk("{\"phone\":\"+14155550103\"}\n") + "0\r\n\r\n");
        await ReadUntilAsync("\"row\":3");

        Assert.StartsWith("HTTP/1.1 200", early, StringComparison.Ordinal);
        Assert.Contains("\"row\":1", early, StringComparison.Ordinal);
        Assert.DoesNotContain("\"row\":3", early, StringComparison.Ordinal);
    }
}

/// <summary>The row limit: 413 before the rows are decided, or a last line once answers went out.</summary>
public sealed class ScrubLimitTests()
    : ApplicationTests(new Dictionary<string, string?> { ["VoiceProxy:Limits:MaxScrubRows"] = "3" })
{
    private static StringContent Csv(int rows) => new("phone,purpose\n" + string.Concat(Enumerable.Range(1, rows)
        .Select(i => string.Create(CultureInfo.InvariantCulture, $"+1415555{i:0000},transactional\n"))),
        Encoding.UTF8, "text/csv");

    [Fact]
    public async Task Scrub_OverTheLimit_413AndNothingDecided()
    {
        var (status, problem) = (await Acme.PostAsync("/v1/compliance/scrub", Csv(4)), 0);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status.StatusCode);
        Assert.Contains("at most 3 rows", await status.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(problem, App.Query(db => db.AuditEvents.Count(e => e.Type == "compliance.scrubbed")));
    }

    [Fact]
    public async Task Scrub_AtTheLimit_AllAnswered()
    {
        var response = await Acme.PostAsync("/v1/compliance/scrub", Csv(3));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}

/// <summary><c>scrub FILE --seller …</c>: the same scrub from the command line, over the service's store.</summary>
public sealed class ScrubCommandTests : ApplicationTests
{
    [Fact]
    public async Task ScrubCommand_CsvFile_AnswersWrittenAndScrubAudited()
    {
        App.ImportRegistry(RegistryLists.National, App.Today.AddDays(-3), []);
        await Acme.GrantAsync("+14155550101", "transactional");
        var input = Path.Combine(App.Folder, "list.csv");
        var output = Path.Combine(App.Folder, "answers.csv");
        await File.WriteAllTextAsync(input, "phone,ref\n+14155550101,one\n+14155550102,two\nnot-a-number,three\n");
        string[] settings = [.. App.Settings.Select(s => $"--{s.Key}={s.Value}"), "--environment=Testing"];

        var errors = new StringWriter();
        var before = Console.Error;
        Console.SetError(errors);
        int? exit;
        try
        {
            exit = await Cli.TryRunAsync(["scrub", input, "--seller", "acme", "--purpose", "transactional",
                "--at", VoiceProxyApplication.MondayMidday.ToString("O"), "--out", output, .. settings]);
        }
        finally
        {
            Console.SetError(before);
        }

        Assert.True(exit == 0, errors.ToString());
        var lines = await File.ReadAllLinesAsync(output);
        Assert.Equal(["row,ref,phone,allowed,reasons,next_allowed_at,error", "1,one,'+14155550101,true,,,",
            "2,two,'+14155550102,false,consent_missing,,", "3,three,,,,,phone must be an E.164 number such as +14155550123."],
            lines);
        var audit = App.Query(db => db.AuditEvents.AsNoTracking().Single(e => e.Type == "compliance.scrubbed"));
        Assert.StartsWith("cli:", audit.Actor, StringComparison.Ordinal);
        Assert.Equal(2, await Cli.TryRunAsync(["scrub", input, "--seller", "globex-not-configured", .. settings]));
    }
}
