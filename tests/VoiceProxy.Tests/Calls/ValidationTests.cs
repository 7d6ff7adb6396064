using System.Net;
using System.Text;

namespace VoiceProxy.Tests.Calls;

/// <summary>Bad input gets a 400 problem naming the field, and changes nothing. As every test here leaves the store as it
/// found it (and checks that it does), they share one application.</summary>
public sealed class ValidationTests(SharedApplication shared) : ApplicationTests(shared), IClassFixture<SharedApplication>
{
    /// <summary>A valid template and its variables, for the bad calls that are bad elsewhere.</summary>
    private const string OrderUpdate =
        "\"template\":\"order-update\",\"variables\":{\"orderNumber\":\"1\",\"orderStatus\":\"x\"}";

    public static TheoryData<string, string> BadCalls => new()
    {
        { """{"to":"4155550123","purpose":"transactional",""" + OrderUpdate + "}", "to" },
        { """{"to":"+442071234567","purpose":"transactional",""" + OrderUpdate + "}", "to" },
        { """{"to":"+18765550123","purpose":"transactional",""" + OrderUpdate + "}", "to" }, // Jamaica
        { """{"to":"+19005550123","purpose":"transactional",""" + OrderUpdate + "}", "to" },
        { """{"to":"+1415555012","purpose":"transactional",""" + OrderUpdate + "}", "to" },
        { """{"to":"+14155550123","purpose":"sales",""" + OrderUpdate + "}", "purpose" },
        { """{"to":"+14155550123","template":"order-update","variables":{"orderNumber":"1","orderStatus":"x"}}""", "purpose" },
        { """{"to":"+14155550123","purpose":"transactional","template":"no-such-template","variables":{}}""", "template" },
        { """{"to":"+14155550123","purpose":"transactional","template":"../../etc/passwd","variables":{}}""", "template" },
        { """{"to":"+14155550123","purpose":"transactional","template":"delivery-window","variables":{"orderNumber":"1"}}""",
            "variables" },
        { """{"to":"+14155550123","purpose":"transactional","template":"order-update","variables":{}}""", "variables" },
        { """{"to":"+14155550123","purpose":"transactional","language":"fr-FR",""" + OrderUpdate + "}", "language" },
        { """{"to":"+14155550123","purpose":"transactional","template":"marketing","variables":{"offer":"x"}}""", "purpose" },
        { """{"to":"+14155550123","purpose":"transactional",""" + OrderUpdate + ""","from":"not-a-number"}""", "from" },
        { """{"to":"+14155550123","purpose":"transactional",""" + OrderUpdate + ""","customer":{"state":"ZZ"}}""",
            "customer.state" },
        { """{"to":"+14155550123","purpose":"transactional",""" + OrderUpdate + ""","customer":{"timeZone":"Mars/Olympus"}}""",
            "customer.timeZone" },
        {
            """{"to":"+14155550123","purpose":"transactional","template":"order-update","variables":"""
                + """{"orderNumber":"1","orderStatus":"bad\u0007bell"}}""",
            "variables.orderStatus"
        },
        // Typed variables (twiml-templates/_variables.xml): a value that does not fit its type is refused by name.
        { Typed("order-update", "orderNumber", "A-1001 and a special offer on tents"), "variables.orderNumber" },
        { Typed("order-update", "orderNumber", new string('A', 33)), "variables.orderNumber" },
        { Typed("order-update", "orderNumber", ""), "variables.orderNumber" },
        { Typed("delivery-window", "deliveryDate", "next Tuesday", "windowStart", "09:00", "windowEnd", "12:00"),
            "variables.deliveryDate" },
        { Typed("delivery-window", "deliveryDate", "2026-02-30", "windowStart", "09:00", "windowEnd", "12:00"),
            "variables.deliveryDate" },
        { Typed("delivery-window", "deliveryDate", "2026-12-03", "windowStart", "9am", "windowEnd", "12:00"),
            "variables.windowStart" },
        { Typed("delivery-window", "deliveryDate", "2026-12-03", "windowStart", "09:00", "windowEnd", "24:00"),
            "variables.windowEnd" },
        {
            """{"to":"+1\u0662\u0660\u0662\u0665\u0665\u0665\u0660\u0661\u0667\u0667","purpose":"transactional","""
                + OrderUpdate + "}",
            "to"
        },
    };

    /// <summary>A transactional call body with the template's variables given as name, value pairs.</summary>
    private static string Typed(string template, params string[] pairs) =>
        System.Text.Json.JsonSerializer.Serialize(new
        {
            to = "+14155550123", purpose = "transactional", template,
            variables = pairs.Chunk(2).ToDictionary(p => p[0], p => p[1]),
        });

    [Theory]
    [MemberData(nameof(BadCalls))]
    public async Task PlaceCall_InvalidField_Returns400NamingItAndRecordsNothing(string json, string field)
    {
        var response = await Acme.PostAsync("/v1/calls", new StringContent(json, Encoding.UTF8, "application/json"));
        var body = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(body["errors"]![field]);
        Assert.Empty(App.CreateCallRequests);
        Assert.Equal(0, App.Query(db => db.Calls.Count()));
        Assert.Equal(0, App.Query(db => db.AuditEvents.Count()));
    }

    [Theory]
    [InlineData("{\"to\":")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"to\":12}")]
    [InlineData("{\"variables\":\"x\"}")]
    [InlineData("not json at all")]
    public async Task PlaceCall_UnreadableBody_Returns400Problem(string json)
    {
        var response = await Acme.PostAsync("/v1/calls", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("   at ", await response.Content.ReadAsStringAsync());
    }

    public static TheoryData<string, object, string> BadConsents => new()
    {
        { "/v1/consents", new { phone = "+14155550123", scope = "marketing", kind = "express_written" },
            "evidence.disclosureText" },
        { "/v1/consents", new { phone = "+14155550123", scope = "marketing", kind = "implied" }, "kind" },
        { "/v1/consents", new { phone = "+14155550123", scope = "everything", kind = "express" }, "scope" },
        { "/v1/consents", new { phone = "+14155550123", scope = "transactional", kind = "express",
            capturedAt = "2027-01-01T00:00:00Z" }, "capturedAt" },
        { "/v1/consents", new { phone = "12", scope = "transactional", kind = "express" }, "phone" },
        { "/v1/consents/revocations", new { phone = "+14155550123", scope = "all" }, "scope" },
        { "/v1/dnc", new { phone = "+14155550123" }, "reason" },
        { "/v1/dnc", new { phone = "+1415", reason = "asked" }, "phone" },
        // Arabic-Indic digits
        { "/v1/dnc", new { phone = "+1\u0662\u0660\u0662\u0665\u0665\u0665\u0660\u0661\u0667\u0667", reason = "asked" },
            "phone" },
        { "/v1/consents/revocations", new { phone = "+1\u0662\u0660\u0662\u0665\u0665\u0665\u0660\u0661\u0667\u0667" }, "phone" },
        { "/v1/dnc", new { phone = "+14155550123", reason = new string('r', 1_001) }, "reason" },
        { "/v1/consents/revocations", new { phone = "+14155550123", note = new string('n', 1_001) }, "note" },
        { "/v1/consents", new { phone = "+14155550123", scope = "transactional", kind = "express",
            source = new string('s', 501) }, "source" },
    };

    [Theory]
    [MemberData(nameof(BadConsents))]
    public async Task ConsentAndDnc_InvalidField_Returns400AndChangesNothing(string url, object body, string field)
    {
        var (status, problem) = await Acme.PostJsonAsync(url, body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.NotNull(problem["errors"]![field]);
        var (_, consent) = await Acme.GetJsonAsync("/v1/consents/%2B14155550123");
        Assert.Empty(consent["history"]!.AsArray());
        var (_, dnc) = await Acme.GetJsonAsync("/v1/dnc/%2B14155550123");
        Assert.False((bool)dnc["internal"]!["listed"]!);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:00:00Z")]
    public async Task DryRun_AtFarFromNow_Returns400(string at)
    {
        var (status, problem) = await Acme.PostJsonAsync("/v1/compliance/check", new Dictionary<string, object?>
        {
            ["to"] = "+14155550123", ["purpose"] = "marketing", ["template"] = "marketing",
            ["variables"] = new Dictionary<string, string> { ["offer"] = "x" }, ["at"] = at,
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.NotNull(problem["errors"]!["at"]);
    }

    [Fact]
    public async Task GetConsent_BadPhoneInPath_Returns400()
    {
        var (status, _) = await Acme.GetJsonAsync("/v1/consents/hello");
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task GetCall_UnknownId_Returns404Problem()
    {
        var (status, body) = await Acme.GetJsonAsync("/v1/calls/no-such-call");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(404, (int?)body["status"]);
    }
}
