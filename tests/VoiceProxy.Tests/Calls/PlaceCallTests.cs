using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Web;

namespace VoiceProxy.Tests.Calls;

public sealed class PlaceCallTests : ApplicationTests
{
    [Fact]
    public async Task PlaceCall_Allowed_SendsOneValidCreateCallAndReturns201()
    {
        await Acme.GrantAsync("+14155550123", "transactional");

        var (status, body) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate("+14155550123"));

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("initiated", (string?)body["status"]);
        Assert.StartsWith("CA", (string?)body["twilioCallSid"]);
        Assert.True((bool)body["decision"]!["allowed"]!);
        var request = Assert.Single(App.CreateCallRequests);
        var form = HttpUtility.ParseQueryString(request.RequestMessage.Body!);
        var id = (string)body["id"]!;
        Assert.Equal("+14155550123", form["To"]);
        Assert.Equal(VoiceProxyApplication.AcmeCallerId, form["From"]);
        Assert.Equal($"{VoiceProxyApplication.PublicBaseUrl}/twilio/voice/{id}", form["Url"]);
        Assert.Equal($"{VoiceProxyApplication.PublicBaseUrl}/twilio/status/{id}", form["StatusCallback"]);
        Assert.Equal(["initiated", "ringing", "answered", "completed"], form.GetValues("StatusCallbackEvent")!);
        Assert.Equal("DetectMessageEnd", form["MachineDetection"]);
        Assert.True(int.Parse(form["Timeout"]!, CultureInfo.InvariantCulture) >= 15);
        Assert.StartsWith("Basic ", request.RequestMessage.Headers!["Authorization"].Single());
    }

    /// <summary>The example request body of docs/api.md ("Placing a call"), verbatim.</summary>
    [Fact]
    public async Task PlaceCall_TheExampleBodyOfApiMd_Returns201()
    {
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:Sellers:0:CallerIds:2"] = "+18005550100" });
        var acme = app.Acme();
        await acme.GrantAsync("+14155550123", "transactional");

        var (status, call) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.Json("""
            {
              "to": "+14155550123",
              "purpose": "transactional",
              "template": "order-update",
              "language": "en-US",
              "variables": { "orderNumber": "A-1001" },
              "from": "+18005550100",
              "customer": { "state": "CA", "timeZone": "America/Los_Angeles" }
            }
            """));

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("+18005550100", (string?)call["from"]);
        Assert.Equal("initiated", (string?)call["status"]);
    }

    [Fact]
    public async Task PlaceCall_Allowed_FormFieldsExistInTwilioCreateCallSchema()
    {
        await Acme.GrantAsync("+14155550123", "transactional");
        await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate("+14155550123"));

        var schema = CreateCallSchema();
        var known = schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
        var required = schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()!).ToList();
        var form = HttpUtility.ParseQueryString(Assert.Single(App.CreateCallRequests).RequestMessage.Body!);
        foreach (var key in form.AllKeys) Assert.Contains(key!, known);
        foreach (var key in required) Assert.NotNull(form[key]);
        var events = schema.GetProperty("properties").GetProperty("StatusCallbackEvent").GetProperty("items");
        Assert.Equal(JsonValueKind.Object, events.ValueKind);
    }

    /// <summary>The CreateCall request schema of Twilio's OpenAPI description, from the extract of it kept with the tests
    /// (TestData/twilio-create-call.json, MIT as the original).</summary>
    private static JsonElement CreateCallSchema()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "twilio-create-call.json");
        using var extract = JsonDocument.Parse(File.ReadAllText(path));
        return extract.RootElement.GetProperty("schema").Clone();
    }

    [Fact]
    public async Task PlaceCall_Allowed_CallRecordReadableWithDecisionAndEvents()
    {
        await Acme.GrantAsync("+14155550123", "transactional");
        var (_, placed) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate("+14155550123"));

        var (status, call) = await Acme.GetJsonAsync($"/v1/calls/{placed["id"]}");

        Assert.Equal(HttpStatusCode.OK, status);
        var checks = call["decision"]!["checks"]!.AsArray();
        var hours = checks.Single(c => (string?)c!["rule"] == "calling_hours")!;
        Assert.Equal("pass", (string?)hours["outcome"]);
        Assert.Equal("47 CFR 64.1200(c)(1); 16 CFR 310.4(c)", (string?)hours["citation"]);
        Assert.Contains("10:00 America/Los_Angeles", (string?)hours["detail"]);
        Assert.All(checks, c => Assert.False(string.IsNullOrEmpty((string?)c!["citation"])));
        Assert.Contains(call["events"]!.AsArray(), e => (string?)e!["type"] == "twilio.create");
    }

    [Fact]
    public async Task PlaceCall_Blocked_Returns422WithEveryReasonAndSendsNothing()
    {
        var (status, body) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.Offer("+14155550123"));

        Assert.Equal((HttpStatusCode)422, status);
        Assert.EndsWith("/call-blocked", (string?)body["type"]);
        Assert.Equal(["consent_missing", "registry_stale"], body.ReasonCodes().Order());
        Assert.Null(body["nextAllowedAt"]);
        Assert.Empty(App.CreateCallRequests);
        var (_, record) = await App.ClientWithKey(VoiceProxyApplication.SupervisorKey)
            .GetJsonAsync($"/v1/calls/{body["callId"]}");
        Assert.Equal("blocked", (string?)record["status"]);
    }

    [Fact]
    public async Task PlaceCall_TwilioRefuses_Returns503AndRecordsFailed()
    {
        await Acme.GrantAsync("+14155550123", "transactional");
        App.StubTwilioCreateCall(400, """{"code":21211,"message":"Invalid 'To' Phone Number","status":400}""");

        var (status, body) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate("+14155550123"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("failed", (string?)body["callStatus"]);
        Assert.Single(App.CreateCallRequests);
    }

    [Fact]
    public async Task PlaceCall_TwilioServerError_IsNotRetriedAndLeavesCallUnknown()
    {
        await Acme.GrantAsync("+14155550123", "transactional");
        App.StubTwilioCreateCall(500, """{"code":20500,"message":"Internal Server Error","status":500}""");

        var (status, body) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate("+14155550123"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("unknown", (string?)body["callStatus"]);
        Assert.EndsWith("/call-outcome-unknown", (string?)body["type"]);
        Assert.Contains("with the same key", (string?)body["detail"]);
        Assert.Single(App.CreateCallRequests);
    }

    [Fact]
    public async Task PlaceCall_SameIdempotencyKeyAndBody_ReturnsOriginalAndPlacesOnce()
    {
        await Acme.GrantAsync("+14155550123", "transactional");
        Acme.DefaultRequestHeaders.Add("Idempotency-Key", "order-A-1001-shipped");

        var first = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate("+14155550123"));
        var second = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate("+14155550123"));

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.Created, second.Status);
        Assert.Equal((string?)first.Body["id"], (string?)second.Body["id"]);
        Assert.Single(App.CreateCallRequests);
    }

    [Fact]
    public async Task PlaceCall_SameKeyWithDefaultsSpelledOut_IsTheSameRequest()
    {
        await Acme.GrantAsync("+14155550123", "transactional");
        Acme.DefaultRequestHeaders.Add("Idempotency-Key", "defaults-1");

        var first = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate("+14155550123"));
        var second = await Acme.PostJsonAsync("/v1/calls",
            ApiHelpers.OrderUpdate("+14155550123", from: VoiceProxyApplication.AcmeCallerId));

        Assert.Equal(HttpStatusCode.Created, second.Status);
        Assert.Equal((string?)first.Body["id"], (string?)second.Body["id"]);
        Assert.Single(App.CreateCallRequests);
    }

    [Fact]
    public async Task PlaceCall_SameIdempotencyKeyOtherBody_Returns409()
    {
        await Acme.GrantAsync("+14155550123", "transactional");
        Acme.DefaultRequestHeaders.Add("Idempotency-Key", "key-1");
        await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate("+14155550123"));

        var (status, body) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate("+14155550124"));

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.EndsWith("/idempotency-conflict", (string?)body["type"]);
        Assert.Single(App.CreateCallRequests);
    }

    [Fact]
    public async Task PlaceCall_BlockedWithIdempotencyKey_ReplaysThe422()
    {
        Acme.DefaultRequestHeaders.Add("Idempotency-Key", "blocked-1");
        var first = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate("+14155550123"));
        await Acme.GrantAsync("+14155550123", "transactional");

        var second = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate("+14155550123"));

        Assert.Equal((HttpStatusCode)422, second.Status);
        Assert.Equal((string?)first.Body["callId"], (string?)second.Body["callId"]);
        Assert.Empty(App.CreateCallRequests);
    }

    [Fact]
    public async Task DryRun_ReturnsDecisionAndPlacesOrRecordsNothing()
    {
        await Acme.GrantAsync("+14155550123", "transactional");
        var body = new Dictionary<string, object?>
        {
            ["to"] = "+14155550123", ["purpose"] = "transactional", ["template"] = "order-update",
            ["variables"] = new Dictionary<string, string> { ["orderNumber"] = "A-1", ["orderStatus"] = "packed" },
            ["at"] = "2026-12-01T06:30:00Z",
        };

        var (status, decision) = await Acme.PostJsonAsync("/v1/compliance/check", body);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False((bool)decision["allowed"]!);
        Assert.Equal("outside_calling_hours", (string?)decision["reasons"]![0]!["code"]);
        Assert.Equal("2026-12-01T17:00:00+00:00", (string?)decision["nextAllowedAt"]);
        Assert.Empty(App.CreateCallRequests);
        var (_, list) = await App.ClientWithKey(VoiceProxyApplication.SupervisorKey)
            .GetJsonAsync("/v1/consents/%2B14155550123?seller=acme");
        Assert.Single(list["history"]!.AsArray());
    }

    [Fact]
    public async Task GetCall_OtherSellersCaller_Gets404AndSupervisorSeesIt()
    {
        await Acme.GrantAsync("+14155550123", "transactional");
        var (_, placed) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate("+14155550123"));

        var globex = await App.ClientWithKey(VoiceProxyApplication.GlobexKey).GetJsonAsync($"/v1/calls/{placed["id"]}");
        var supervisor = await App.ClientWithKey(VoiceProxyApplication.SupervisorKey).GetJsonAsync($"/v1/calls/{placed["id"]}");

        Assert.Equal(HttpStatusCode.NotFound, globex.Status);
        Assert.Equal(HttpStatusCode.OK, supervisor.Status);
    }
}
