using System.Text;

namespace VoiceProxy.Tests.Hosting;

/// <summary>Generated malformed and hostile requests across the endpoints: never a 5xx, and a refused request changes
/// nothing.</summary>
public sealed class HostileInputTests : ApplicationTests
{
    public HostileInputTests() : base(new TestSettings().Unlimited().BuildForApplication()) { }

    private static readonly string[] Phones =
    [
        "", " ", "+", "12345", "911", "+1911", "+14155550123", "4155550123", "+1 415 555 0123", "+1-415-555-0123", "+1ABC5550123",
        "+19005550123", "+18005550123", "+14159115555", "+141555501234567890", "+442071234567", "+14165550123", "+1555",
        "%2B1415",
        "' OR 1=1 --", "<script>alert(1)</script>", "+1415555\u00000123", "+1415555０１２３",
        "../../etc/passwd", "\u202e3210555514+",
        new string('9', 5000),
    ];

    /// <summary>The test host cannot carry a NUL in a path (Kestrel refuses such a request line itself), so paths use the
    /// rest.</summary>
    private static readonly string[] PathPhones = Phones.Where(p => !p.Contains('\0')).ToArray();

    private static readonly string[] Texts =
    [
        "", "x", "'; DROP TABLE calls; --", "<script>alert('x')</script>", "</Say><Dial>+19005550000</Dial><Say>",
        "{{orderNumber}}",
        "\u0000\u0001\u0007\u001b[31m", "\ud800", "😀", new string('A', 20_000), "../../../", "%00", "null",
    ];

    private static readonly string[] Templates = ["order-update", "../order-update", "..\\..\\x", "ORDER-UPDATE",
        "order-update.xml", "_frame", "", "marketing", "a/b"];

    private static object? Value(Random r) => r.Next(9) switch
    {
        0 => null,
        1 => r.Next(),
        2 => true,
        3 => new[] { 1, 2 },
        4 => new { nested = "object" },
        5 => r.NextDouble(),
        6 => Phones[r.Next(Phones.Length)],
        _ => Texts[r.Next(Texts.Length)],
    };

    private static string Body(Random r) => r.Next(6) switch
    {
        0 => Texts[r.Next(Texts.Length)],
        1 => "{\"to\":",
        2 => "[" + string.Join(",", Enumerable.Repeat("{}", r.Next(5))) + "]",
        3 => System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["to"] = Phones[r.Next(Phones.Length)], ["phone"] = Phones[r.Next(Phones.Length)],
            ["purpose"] = r.Next(2) == 0 ? "marketing" : Value(r),
            ["template"] = Templates[r.Next(Templates.Length)], ["language"] = r.Next(3) == 0 ? "en-US" : Value(r),
            ["variables"] = r.Next(3) == 0 ? new Dictionary<string, object?>
            {
                ["orderNumber"] = Value(r),
                ["orderStatus"] = Value(r)
            } : Value(r),
            ["scope"] = r.Next(2) == 0 ? "transactional" : Value(r), ["kind"] = r.Next(2) == 0 ? "express_written" : Value(r),
            ["reason"] = Value(r), ["from"] = Value(r),
            ["customer"] = r.Next(2) == 0 ? new { state = Value(r), timeZone = Value(r) } : Value(r),
            ["capturedAt"] = r.Next(2) == 0 ? "2099-01-01T00:00:00Z" : Value(r), ["at"] = Value(r), ["evidence"] = Value(r),
        }),
        4 => "{\"to\":\"+14155550123\",\"purpose\":\"transactional\",\"template\":\"order-update\","
            + "\"variables\":{\"orderNumber\":"
            + (r.Next(2) == 0 ? "1" : "\"" + Texts[r.Next(Texts.Length)] + "\"") + "}}",
        _ => new string('{', r.Next(1, 3000)),
    };

    private (int Calls, int Consents, int Dnc, int Audit) Counts() =>
        App.Query(db => (db.Calls.Count(), db.Consents.Count(), db.DncEntries.Count(), db.AuditEvents.Count()));

    [Fact]
    public async Task ThousandsOfMalformedRequests_NoServerErrorAndRefusalsChangeNothing()
    {
        var random = new Random(20261129);
        var clients = new[] { App.Acme(), App.ClientWithKey(VoiceProxyApplication.AdminKey),
            App.ClientWithKey(VoiceProxyApplication.SupervisorKey), App.CreateClient() };
        var posts = new[] { "/v1/calls", "/v1/compliance/check", "/v1/consents", "/v1/consents/revocations", "/v1/dnc",
            "/twilio/voice/x", "/twilio/status/x", "/twilio/inbound" };
        var gets = new[] { "/v1/consents/", "/v1/dnc/", "/v1/calls/", "/v1/registry", "/v1/calls?limit=",
            "/v1/calls/export?phone=" };
        var served = 0;
        for (var i = 0; i < 1200; i++)
        {
            var client = clients[random.Next(clients.Length)];
            using var request = random.Next(4) switch
            {
                0 => new HttpRequestMessage(HttpMethod.Get,
                    gets[random.Next(gets.Length)] + Uri.EscapeDataString(PathPhones[random.Next(PathPhones.Length)])),
                1 => new HttpRequestMessage(HttpMethod.Delete,
                    "/v1/dnc/" + Uri.EscapeDataString(PathPhones[random.Next(PathPhones.Length)]))
                { Content = new StringContent(Body(random), Encoding.UTF8, "application/json") },
                _ => new HttpRequestMessage(HttpMethod.Post, posts[random.Next(posts.Length)])
                {
                    Content = new StringContent(Body(random), Encoding.UTF8,
                        random.Next(8) == 0 ? "text/plain" : "application/json")
                },
            };
            if (random.Next(6) == 0) request.Headers.TryAddWithoutValidation("Idempotency-Key", Texts[random.Next(Texts.Length)]);
            var before = Counts();

            var response = await client.SendAsync(request);

            var status = (int)response.StatusCode;
            Assert.True(status < 500,
                $"{request.Method} {request.RequestUri} answered {status}: {await response.Content.ReadAsStringAsync()}");
            if (status is >= 400 and not 422) Assert.Equal(before, Counts());
            if (status >= 400) Assert.DoesNotContain("   at ", await response.Content.ReadAsStringAsync());
            served++;
        }
        Assert.Equal(1200, served);
    }
}
