using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using VoiceProxy.Lookup;
using WireMock.Logging;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace VoiceProxy.Tests.Lookup;

/// <summary>Issue 15 through HTTP, with WireMock as Twilio Lookup: each answer and line type, the date asked about, retries,
/// failures, the shared cache, the evidence, and what the API shows.</summary>
public sealed class LookupTests : ApplicationTests
{
    private static JsonNode CheckOf(JsonNode decision, string rule) =>
        decision["checks"]!.AsArray().Single(c => (string?)c!["rule"] == rule)!;

    private Task<(HttpStatusCode Status, JsonNode Body)> DryRunAsync(object? lookup = null) =>
        Acme.PostJsonAsync("/v1/compliance/check", lookup is null ? ApiHelpers.OrderUpdate(Phone) : new
        {
            to = Phone, purpose = "transactional", template = "order-update", language = "en-US",
            variables = new Dictionary<string, string> { ["orderNumber"] = "A-1001", ["orderStatus"] = "shipped" }, lookup,
        });

    private static string? Query(ILogEntry e, string name) =>
        e.RequestMessage.Query!.TryGetValue(name, out var v) ? v.Single() : null;

    [Fact]
    public async Task PlaceCall_NumberReassigned_BlockedNothingPlacedAndConsentNoLongerRelied()
    {
        await Acme.GrantAsync(Phone, "transactional");
        App.StubLookup("mobile", "yes");

        var (status, problem) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));

        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal(["number_reassigned"], problem.ReasonCodes());
        Assert.Empty(App.CreateCallRequests);
        var (_, consent) = await Acme.GetJsonAsync($"/v1/consents/{ApiHelpers.Path(Phone)}");
        Assert.Equal("revoked", (string?)consent["current"]!["transactional"]!["state"]);
        Assert.Equal("lookup", (string?)consent["history"]!.AsArray()[^1]!["channel"]);
        var (_, again) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        Assert.Equal(["consent_revoked"], again.ReasonCodes());
    }

    [Fact]
    public async Task PlaceCall_NotReassigned_PlacedWithTheSafeHarbourAndTheLineTypeShown()
    {
        await Acme.GrantAsync(Phone, "transactional");

        var (status, call) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));

        Assert.Equal(HttpStatusCode.Created, status);
        var reassigned = CheckOf(call["decision"]!, "reassigned_number");
        Assert.Equal("pass", (string?)reassigned["outcome"]);
        Assert.Equal("47 CFR 64.1200(m) (Reassigned Numbers Database safe harbor)", (string?)reassigned["citation"]);
        Assert.StartsWith("not reassigned since 2026-10-01 (safe harbor), asked ", (string?)reassigned["detail"]);
        Assert.StartsWith("mobile (Made-up Wireless), asked ", (string?)CheckOf(call["decision"]!, "line_type")["detail"]);
        Assert.Single(App.CreateCallRequests);
    }

    [Theory]
    [InlineData("allow", true)]
    [InlineData("block", false)]
    public async Task Check_NoDataAvailable_AsTheSettingSaysAndShownEitherWay(string setting, bool allowed)
    {
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:Lookup:NoDataAvailable"] = setting });
        using var acme = app.Acme();
        await acme.GrantAsync(Phone, "transactional");
        app.StubLookup("mobile", "no_data_available");

        var (_, decision) = await acme.PostJsonAsync("/v1/compliance/check", ApiHelpers.OrderUpdate(Phone));

        Assert.Equal(allowed, (bool?)decision["allowed"]);
        var check = CheckOf(decision, "reassigned_number");
        Assert.Contains("no_data_available", (string?)check["detail"]);
        Assert.Equal(allowed ? null : "lookup_unavailable", (string?)check["code"]);
    }

    [Theory]
    [InlineData("mobile", true)]
    [InlineData("landline", true)]
    [InlineData("fixedVoip", true)]
    [InlineData("nonFixedVoip", true)]
    [InlineData("personal", true)]
    [InlineData("unknown", true)]
    [InlineData("tollFree", false)]
    [InlineData("premium", false)]
    [InlineData("sharedCost", false)]
    [InlineData("uan", false)]
    [InlineData("voicemail", false)]
    [InlineData("pager", false)]
    public async Task Check_EachLineType_ShownAndBlockedAsTheSellerSays(string type, bool allowed)
    {
        await Acme.GrantAsync(Phone, "transactional");
        App.StubLookup(type, "no");

        var (_, decision) = await DryRunAsync();

        var check = CheckOf(decision, "line_type");
        Assert.StartsWith($"{type} (Made-up Wireless)", (string?)check["detail"]);
        Assert.Equal(allowed, (bool?)decision["allowed"]);
        Assert.Equal(allowed ? null : "line_type_not_allowed", (string?)check["code"]);
    }

    [Fact]
    public async Task Check_SellersOwnBlockedLineTypes_ReplaceTheDefault()
    {
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:Sellers:0:BlockedLineTypes:0"] = "landline" });
        using var acme = app.Acme();
        await acme.GrantAsync(Phone, "transactional");
        app.StubLookup("landline", "no");

        var (_, decision) = await acme.PostJsonAsync("/v1/compliance/check", ApiHelpers.OrderUpdate(Phone));

        Assert.Equal(["line_type_not_allowed"], decision.ReasonCodes());
    }

    [Fact]
    public async Task Request_LastVerifiedDate_IsTheConsentsDateThenTheLaterCallAHumanAnswered()
    {
        await Acme.GrantAsync(Phone, "transactional");
        var (_, call) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        var first = Assert.Single(App.LookupRequests);
        Assert.Equal("20261001", Query(first, "LastVerifiedDate"));
        Assert.Equal("line_type_intelligence,reassigned_number", Query(first, "Fields"));
        var twilio = new TwilioWebhookClient(App.CreateClient());
        Assert.Equal(HttpStatusCode.NoContent, (await twilio.PostAsync($"/twilio/status/{call["id"]}", new()
        {
            ["CallSid"] = (string)call["twilioCallSid"]!, ["CallStatus"] = "completed", ["SequenceNumber"] = "3",
            ["CallDuration"] = "40", ["AnsweredBy"] = "human", ["Timestamp"] = "Mon, 30 Nov 2026 18:01:00 +0000",
        })).Status);
        App.Time.Advance(TimeSpan.FromHours(25));

        var (_, decision) = await DryRunAsync();

        var second = App.LookupRequests[^1];
        Assert.Equal(2, App.LookupRequests.Count);
        Assert.Equal("20261130", Query(second, "LastVerifiedDate"));
        Assert.Contains("since 2026-11-30", (string?)CheckOf(decision, "reassigned_number")["detail"]);
    }

    [Fact]
    public async Task Cache_NoSinceTheConsentsDate_CoversALaterHumanAnsweredCallWithoutAskingAgain()
    {
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:Lookup:CacheHours"] = "72" });
        using var acme = app.Acme();
        await acme.GrantAsync(Phone, "transactional");
        var (_, call) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        Assert.Equal("20261001", Query(Assert.Single(app.LookupRequests), "LastVerifiedDate"));
        var twilio = new TwilioWebhookClient(app.CreateClient());
        await twilio.PostAsync($"/twilio/status/{call["id"]}", new()
        {
            ["CallSid"] = (string)call["twilioCallSid"]!, ["CallStatus"] = "completed", ["SequenceNumber"] = "3",
            ["CallDuration"] = "40", ["AnsweredBy"] = "human", ["Timestamp"] = "Mon, 30 Nov 2026 18:01:00 +0000",
        });
        app.Time.Advance(TimeSpan.FromHours(25));

        var (_, decision) = await acme.PostJsonAsync("/v1/compliance/check", ApiHelpers.OrderUpdate(Phone));

        // "Not reassigned since 2026-10-01", asked within the cache's hours, answers for 2026-11-30 as well.
        Assert.Single(app.LookupRequests);
        var reassigned = CheckOf(decision, "reassigned_number");
        Assert.Equal("pass", (string?)reassigned["outcome"]);
        Assert.Contains("since 2026-10-01", (string?)reassigned["detail"]);
        Assert.Contains("cached answer of", (string?)reassigned["detail"]);
    }

    [Fact]
    public async Task Check_ConsentGivenToday_ReassignmentNotAskedLineTypeStillShown()
    {
        var (granted, _) = await Acme.PostJsonAsync("/v1/consents", new
        {
            phone = Phone, scope = "transactional", kind = "express", capturedAt = App.Time.GetUtcNow().AddHours(-2),
        });
        Assert.Equal(HttpStatusCode.Created, granted);

        var (_, decision) = await DryRunAsync();

        Assert.Equal("not_applicable", (string?)CheckOf(decision, "reassigned_number")["outcome"]);
        Assert.Contains("ReassignedAfterDays", (string?)CheckOf(decision, "reassigned_number")["detail"]);
        Assert.Equal("line_type_intelligence", Query(Assert.Single(App.LookupRequests), "Fields"));
        Assert.Null(Query(App.LookupRequests[0], "LastVerifiedDate"));
    }

    [Fact]
    public async Task Lookup429ThenAnswer_RetriedAndTheCallPlaced()
    {
        await Acme.GrantAsync(Phone, "transactional");
        var path = new WildcardMatcher("/v2/PhoneNumbers/*");
        App.Twilio.Given(Request.Create().WithPath(path).UsingGet()).AtPriority(1).InScenario("lookup").WillSetStateTo("asked")
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "0")
                .WithBody("""{"code":20429,"message":"Too Many Requests","status":429}"""));
        App.Twilio.Given(Request.Create().WithPath(path).UsingGet()).AtPriority(1).InScenario("lookup").WhenStateIs("asked")
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody(VoiceProxyApplication.LookupBody("mobile", "no")));

        var (status, _) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(2, App.LookupRequests.Count);
        Assert.Single(App.CreateCallRequests);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    public async Task Lookup5xx_LookupUnavailableNothingPlacedNotRetried(int lookupStatus)
    {
        await Acme.GrantAsync(Phone, "transactional");
        App.StubLookup(null, null, status: lookupStatus);

        var (status, problem) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));

        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal(["lookup_unavailable"], problem.ReasonCodes().Distinct());
        Assert.Single(App.LookupRequests);
        Assert.Empty(App.CreateCallRequests);
        var failed = Assert.Single(App.Query(db => db.AuditEvents.Where(e => e.Type == "lookup.failed").ToList()));
        Assert.Contains($"Twilio Lookup answered {lookupStatus}", failed.PayloadJson, StringComparison.Ordinal);
        Assert.Empty(App.Query(db => db.LookupAnswers.Where(a => a.Answer != null).ToList()));
    }

    [Fact]
    public async Task LookupTimeout_LookupUnavailableAndNothingPlaced()
    {
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:Lookup:TimeoutSeconds"] = "1" });
        using var acme = app.Acme();
        await acme.GrantAsync(Phone, "transactional");
        app.Twilio.Given(Request.Create().WithPath(new WildcardMatcher("/v2/PhoneNumbers/*")).UsingGet()).AtPriority(1)
            .RespondWith(Response.Create().WithDelay(TimeSpan.FromSeconds(4)).WithStatusCode(200)
                .WithHeader("Content-Type", "application/json").WithBody(VoiceProxyApplication.LookupBody("mobile", "no")));

        var (status, problem) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));

        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal(["lookup_unavailable"], problem.ReasonCodes().Distinct());
        Assert.Contains("timeout", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Empty(app.CreateCallRequests);
    }

    [Fact]
    public async Task LookupDown_OnUnavailableAllow_PlacedAndSaysSo()
    {
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:Lookup:OnUnavailable"] = "allow" });
        using var acme = app.Acme();
        await acme.GrantAsync(Phone, "transactional");
        app.StubLookup(null, null, status: 503);

        var (status, call) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Contains("OnUnavailable=allow", (string?)CheckOf(call["decision"]!, "line_type")["detail"]);
    }

    [Fact]
    public async Task Check_SecondTime_ServedFromTheCacheWithoutARequest()
    {
        await Acme.GrantAsync(Phone, "transactional");
        await DryRunAsync();

        var (_, decision) = await DryRunAsync();

        Assert.Single(App.LookupRequests);
        Assert.Contains("cached answer of", (string?)CheckOf(decision, "line_type")["detail"]);
        Assert.Contains("cached answer of", (string?)CheckOf(decision, "reassigned_number")["detail"]);
    }

    [Fact]
    public async Task Cache_PastCacheHours_AsksAgain()
    {
        await Acme.GrantAsync(Phone, "transactional");
        await DryRunAsync();
        App.Time.Advance(TimeSpan.FromHours(23.9));
        await DryRunAsync();
        Assert.Single(App.LookupRequests);

        App.Time.Advance(TimeSpan.FromHours(0.2));
        var (_, decision) = await DryRunAsync();

        Assert.Equal(2, App.LookupRequests.Count);
        Assert.DoesNotContain("cached", (string?)CheckOf(decision, "line_type")["detail"]);
    }

    [Fact]
    public async Task Cache_SharedWithAnotherInstanceOverTheSameStore()
    {
        await Acme.GrantAsync(Phone, "transactional");
        await DryRunAsync();
        using var other = new VoiceProxyApplication(new()
        {
            ["ConnectionStrings:VoiceProxy"] = $"Data Source={Path.Combine(App.Folder, "voiceproxy.db")}",
        });
        using var acme = other.Acme();

        var (_, decision) = await acme.PostJsonAsync("/v1/compliance/check", ApiHelpers.OrderUpdate(Phone));

        Assert.Empty(other.LookupRequests);
        Assert.Contains("cached answer of", (string?)CheckOf(decision, "reassigned_number")["detail"]);
    }

    [Fact]
    public async Task Lookup_EachRequestAndAnswer_IsAnAuditEventInTheSealedChain()
    {
        await Acme.GrantAsync(Phone, "transactional");
        await DryRunAsync();
        await DryRunAsync();

        var answered = Assert.Single(App.Query(db => db.AuditEvents.Where(e => e.Type == "lookup.answered").ToList()));
        using var payload = JsonDocument.Parse(answered.PayloadJson);
        var p = payload.RootElement;
        Assert.Equal("line_type_intelligence,reassigned_number", p.GetProperty("fields").GetString());
        Assert.Equal("20261001", p.GetProperty("lastVerifiedDate").GetString());
        Assert.Equal(App.Time.GetUtcNow(), p.GetProperty("sentAt").GetDateTimeOffset());
        var answers = p.GetProperty("answers").EnumerateArray().Select(a => a.GetProperty("answer").GetString()).ToList();
        Assert.Equal(["mobile", "no"], answers);
        Assert.Equal(answered.Subject, p.GetProperty("person").GetString());
        Assert.DoesNotContain(Phone, answered.PayloadJson, StringComparison.Ordinal);
        Assert.True(p.TryGetProperty("personal", out _));
        var (_, verify) = await App.ClientWithKey(VoiceProxyApplication.SupervisorKey).VerifySealedAsync();
        Assert.True((bool?)verify["ok"]);
    }

    [Fact]
    public async Task DryRun_LookupFalse_ChecksNotApplicableAndNothingAsked()
    {
        await Acme.GrantAsync(Phone, "transactional");

        var (status, decision) = await DryRunAsync(lookup: false);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(App.LookupRequests);
        foreach (var rule in new[] { "line_type", "reassigned_number" })
            Assert.Equal("not_applicable", (string?)CheckOf(decision, rule)["outcome"]);
    }

    [Fact]
    public async Task PlaceCall_WithLookupField_400AndNothingAsked()
    {
        await Acme.GrantAsync(Phone, "transactional");

        var (status, problem) = await Acme.PostJsonAsync("/v1/calls", new
        {
            to = Phone, purpose = "transactional", template = "order-update", language = "en-US", lookup = false,
            variables = new Dictionary<string, string> { ["orderNumber"] = "A-1001", ["orderStatus"] = "shipped" },
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.NotNull(problem["errors"]!["lookup"]);
        Assert.Empty(App.LookupRequests);
        Assert.Empty(App.CreateCallRequests);
    }

    [Fact]
    public async Task Numbers_AfterACheck_ShowTheCachedFactsToTheSellerThatAsked()
    {
        await Acme.GrantAsync(Phone, "transactional");
        await DryRunAsync();

        var (status, view) = await Acme.GetJsonAsync($"/v1/numbers/{ApiHelpers.Path(Phone)}");
        var (_, globex) = await App.ClientWithKey(VoiceProxyApplication.GlobexKey)
            .GetJsonAsync($"/v1/numbers/{ApiHelpers.Path(Phone)}");
        var (invalid, _) = await Acme.GetJsonAsync("/v1/numbers/12345");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("mobile", (string?)view["lineType"]!["answer"]);
        Assert.Equal("Made-up Wireless", (string?)view["lineType"]!["carrier"]);
        Assert.True((bool?)view["lineType"]!["fresh"]);
        var reassigned = Assert.Single(view["reassigned"]!.AsArray())!;
        Assert.Equal("no", (string?)reassigned["answer"]);
        Assert.Equal("2026-10-01", (string?)reassigned["lastVerifiedDate"]);
        Assert.Equal(App.Time.GetUtcNow().AddHours(24), (DateTimeOffset?)reassigned["expiresAt"]);
        Assert.Equal("mobile", (string?)globex["lineType"]!["answer"]);
        Assert.Empty(globex["reassigned"]!.AsArray());
        Assert.Equal(HttpStatusCode.BadRequest, invalid);
        Assert.Single(App.LookupRequests);
    }

    [Fact]
    public async Task Figures_CountLookupsMadeAndCacheHits()
    {
        await Acme.GrantAsync(Phone, "transactional");
        await DryRunAsync();
        await DryRunAsync();
        await DryRunAsync();
        await App.Services.GetRequiredService<LookupHitCounter>().FlushAsync();

        var supervisor = App.ClientWithKey(VoiceProxyApplication.SupervisorKey);
        var (_, all) = await supervisor.GetJsonAsync("/v1/calls/figures");
        var (_, globex) = await supervisor.GetJsonAsync("/v1/calls/figures?seller=globex");

        Assert.Equal(2, (int?)all["lookups"]!["made"]);
        Assert.Equal(4, (int?)all["lookups"]!["cacheHits"]);
        Assert.Equal(0, (int?)globex["lookups"]!["made"]);
        Assert.Equal(0, (int?)globex["lookups"]!["cacheHits"]);
    }

    /// <summary>The request the SDK sends, against Twilio's OpenAPI description of Lookup v2 (an extract kept with the tests:
    /// TestData/twilio-lookup-phone-number.json, MIT as the original); and the stand-in's answer in Twilio's shape.</summary>
    [Fact]
    public async Task LookupRequest_MatchesTwilioLookupOpenApiDescription()
    {
        using var extract = JsonDocument.Parse(
            await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "TestData", "twilio-lookup-phone-number.json")));
        var spec = extract.RootElement;
        await Acme.GrantAsync(Phone, "transactional");
        await DryRunAsync();

        var request = Assert.Single(App.LookupRequests).RequestMessage;
        Assert.Equal("GET", request.Method);
        // WireMock reports the path decoded as a form would be ('+' as a space); the URL is as sent.
        Assert.Equal($"/v2/PhoneNumbers/{Phone}", new Uri(request.Url).AbsolutePath);
        var parameters = spec.GetProperty("parameters").EnumerateArray()
            .Where(p => p.GetProperty("in").GetString() == "query")
            .ToDictionary(p => p.GetProperty("name").GetString()!);
        foreach (var name in request.Query!.Keys) Assert.Contains(name, parameters.Keys);
        var allowedFields = parameters["Fields"].GetProperty("description").GetString()!
            .Split("Possible values are ")[1].TrimEnd('.').Split(',').Select(f => f.Trim()).ToList();
        foreach (var field in request.Query["Fields"].Single().Split(',')) Assert.Contains(field, allowedFields);
        var dateExample = parameters["LastVerifiedDate"].GetProperty("examples").EnumerateObject().First().Value
            .GetProperty("value").GetString()!;
        var sent = request.Query["LastVerifiedDate"].Single();
        Assert.Equal(dateExample.Length, sent.Length);
        Assert.True(DateOnly.TryParseExact(dateExample, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _));
        Assert.True(DateOnly.TryParseExact(sent, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _));
        Assert.Equal("https://lookups.twilio.com", spec.GetProperty("servers")[0].GetProperty("url").GetString());

        var schemas = spec.GetProperty("schemas");
        static HashSet<string> Names(JsonElement schema) =>
            schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
        using var body = JsonDocument.Parse(VoiceProxyApplication.LookupBody("mobile", "no"));
        foreach (var (property, schema) in new[]
        {
            ("", "LookupResponse"), ("line_type_intelligence", "LineTypeIntelligenceInfo"),
            ("reassigned_number", "ReassignedNumberInfo"),
        })
        {
            var part = property.Length == 0 ? body.RootElement : body.RootElement.GetProperty(property);
            foreach (var name in part.EnumerateObject().Select(p => p.Name))
                Assert.Contains(name, Names(schemas.GetProperty(schema)));
        }
    }
}

/// <summary>Simulated mode answers Lookup by the test numbers the README lists.</summary>
public sealed class SimulatedLookupTests
{
    [Theory]
    [InlineData("+14155550133", "number_reassigned", "mobile")]
    [InlineData("+14155550122", null, "mobile")]
    [InlineData("+14155550111", "line_type_not_allowed", "tollFree")]
    [InlineData("+14155550188", null, "landline")]
    [InlineData("+14155550123", null, "mobile")]
    public async Task Simulated_TestNumbers_AnswerAsDocumented(string phone, string? code, string lineType)
    {
        using var app = new VoiceProxyApplication(new() { ["Twilio:Mode"] = "Simulated" });
        using var acme = app.Acme();
        await acme.GrantAsync(phone, "transactional");

        var (_, decision) = await acme.PostJsonAsync("/v1/compliance/check", ApiHelpers.OrderUpdate(phone));

        Assert.Equal(code is null ? [] : [code], decision.ReasonCodes());
        var checks = decision["checks"]!.AsArray();
        Assert.StartsWith($"{lineType} (Simulated Carrier)",
            (string?)checks.Single(c => (string?)c!["rule"] == "line_type")!["detail"]);
        if (phone.EndsWith("0122", StringComparison.Ordinal))
            Assert.Contains("no_data_available",
                (string?)checks.Single(c => (string?)c!["rule"] == "reassigned_number")!["detail"]);
        Assert.Empty(app.LookupRequests);
    }
}
