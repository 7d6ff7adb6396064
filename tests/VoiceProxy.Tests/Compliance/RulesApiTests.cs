using System.Net;
using System.Text.Json.Nodes;

namespace VoiceProxy.Tests.Compliance;

/// <summary>The rule book over HTTP: GET /v1/rules at an instant, restricted dates added and ended at run time (in force at
/// once, on every instance sharing the store), rulesVersion on decisions and call records.</summary>
public sealed class RulesApiTests : ApplicationTests
{
    /// <summary>Louisiana (504), Monday 2026-11-30 12:00 CST at <see cref="VoiceProxyApplication.MondayMidday"/>.</summary>
    private const string Louisiana = "+15045550123";

    private HttpClient Admin => App.ClientWithKey(VoiceProxyApplication.AdminKey);
    private HttpClient Supervisor => App.ClientWithKey(VoiceProxyApplication.SupervisorKey);

    private static object Emergency(string from = "2026-11-30", string to = "2026-12-02", string appliesTo = "any") => new
    {
        state = "LA", from, to, appliesTo, citation = "LPSC notice: EOC staffed (made-up test declaration)",
    };

    private static async Task<JsonNode> CheckAsync(HttpClient client, string phone, string? at = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["to"] = phone, ["purpose"] = "transactional", ["template"] = "order-update",
            ["variables"] = new Dictionary<string, string> { ["orderNumber"] = "A-1", ["orderStatus"] = "packed" },
            ["at"] = at,
        };
        var (status, decision) = await client.PostJsonAsync("/v1/compliance/check", body);
        Assert.Equal(HttpStatusCode.OK, status);
        return decision;
    }

    [Fact]
    public async Task RestrictedDate_AddedByAdmin_BlocksAtOnceUntilEndedEarly()
    {
        await Acme.GrantAsync(Louisiana, "transactional");
        Assert.True((bool)(await CheckAsync(Acme, Louisiana))["allowed"]!);

        var (created, added) = await Admin.PostJsonAsync("/v1/rules/restricted-dates", Emergency());
        var blocked = await CheckAsync(Acme, Louisiana);
        var (_, list) = await Supervisor.GetJsonAsync("/v1/rules/restricted-dates");
        var id = (string)added["id"]!;
        var (ended, _) = await Admin.SendAsync(HttpMethod.Delete, $"/v1/rules/restricted-dates/{id}",
            new { reason = "the commission left the emergency centre" });
        var again = await CheckAsync(Acme, Louisiana);
        var (endedTwice, _) = await Admin.SendAsync(HttpMethod.Delete, $"/v1/rules/restricted-dates/{id}", new { reason = "x" });

        Assert.Equal(HttpStatusCode.Created, created);
        Assert.False((bool)blocked["allowed"]!);
        Assert.Equal(["restricted_day"], blocked["reasons"]!.AsArray().Select(r => (string)r!["code"]!));
        Assert.Contains("made-up test declaration", (string?)blocked["reasons"]![0]!["message"]);
        Assert.Equal(id, (string?)list.AsArray().Single()!["id"]);
        Assert.Equal(HttpStatusCode.NoContent, ended);
        Assert.True((bool)again["allowed"]!);
        Assert.Equal(HttpStatusCode.NotFound, endedTwice);
        var (_, afterEnd) = await Supervisor.GetJsonAsync("/v1/rules/restricted-dates");
        Assert.Equal("the commission left the emergency centre", (string?)afterEnd[0]!["endReason"]);
        Assert.Equal(["rules.restricted_date_added", "rules.restricted_date_ended"],
            App.Query(db => db.AuditEvents.Where(e => e.Type.StartsWith("rules."))
                .OrderBy(e => e.Id).Select(e => e.Type).ToList()));
    }

    [Fact]
    public async Task RestrictedDate_Marketing_LeavesTransactionalCallsAndOtherDatesAlone()
    {
        await Acme.GrantAsync(Louisiana, "transactional");
        await Admin.PostJsonAsync("/v1/rules/restricted-dates", Emergency(appliesTo: "marketing"));
        await Admin.PostJsonAsync("/v1/rules/restricted-dates", Emergency("2026-12-03", "2026-12-04"));

        Assert.True((bool)(await CheckAsync(Acme, Louisiana))["allowed"]!);
        // The second one covers Thursday 2026-12-03 in Louisiana, not Wednesday the 2nd.
        var day = await CheckAsync(Acme, Louisiana, "2026-12-03T18:00:00Z");
        Assert.Contains("restricted_day", day["reasons"]!.AsArray().Select(r => (string)r!["code"]!));
        Assert.True((bool)(await CheckAsync(Acme, Louisiana, "2026-12-02T18:00:00Z"))["allowed"]!);
    }

    [Fact]
    public async Task RestrictedDate_AnotherInstanceAdds_ThisInstanceBlocksOnItsNextDecision()
    {
        using var other = new VoiceProxyApplication(new Dictionary<string, string?>
        {
            ["ConnectionStrings:VoiceProxy"] = $"Data Source={Path.Combine(App.Folder, "voiceproxy.db")}",
        });
        await Acme.GrantAsync(Louisiana, "transactional");
        Assert.True((bool)(await CheckAsync(Acme, Louisiana))["allowed"]!);

        var (created, _) = await other.ClientWithKey(VoiceProxyApplication.AdminKey)
            .PostJsonAsync("/v1/rules/restricted-dates", Emergency());

        Assert.Equal(HttpStatusCode.Created, created);
        Assert.False((bool)(await CheckAsync(Acme, Louisiana))["allowed"]!);
    }

    public static TheoryData<string, string> BadRestrictedDates => new()
    {
        { """{"state":"XX","from":"2026-11-30","to":"2026-12-01","appliesTo":"any","citation":"c"}""", "state" },
        { """{"state":"la","from":"2026-11-30","to":"2026-12-01","appliesTo":"any","citation":"c"}""", "state" },
        { """{"state":"LA","from":"2026-12-02","to":"2026-12-01","appliesTo":"any","citation":"c"}""", "to" },
        { """{"state":"LA","from":"30/11/2026","to":"2026-12-01","appliesTo":"any","citation":"c"}""", "from" },
        { """{"state":"LA","from":"2026-11-30","to":"2026-12-01","appliesTo":"transactional","citation":"c"}""", "appliesTo" },
        { """{"state":"LA","from":"2026-11-30","to":"2026-12-01","appliesTo":"any","citation":" "}""", "citation" },
        { """{"state":"LA","from":"2026-11-30","to":"2026-12-01","appliesTo":"any"}""", "citation" },
        { """{"state":"LA","from":"2026-01-01","to":"2026-01-31","appliesTo":"any","citation":"c"}""", "to" },
        { """{"state":"LA","from":"2026-11-30","to":"2028-01-31","appliesTo":"any","citation":"c"}""", "to" },
    };

    [Theory]
    [MemberData(nameof(BadRestrictedDates))]
    public async Task RestrictedDate_BadInput_400NamingTheFieldAndNothingStored(string json, string field)
    {
        var response = await Admin.PostAsync("/v1/rules/restricted-dates",
            new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(body["errors"]![field]);
        Assert.Equal(0, App.Query(db => db.RestrictedDates.Count()));
    }

    [Fact]
    public async Task RestrictedDate_Roles_OnlyAdminChangesSupervisorReads()
    {
        var (callerAdds, _) = await Acme.PostJsonAsync("/v1/rules/restricted-dates", Emergency());
        var (supervisorAdds, _) = await Supervisor.PostJsonAsync("/v1/rules/restricted-dates", Emergency());
        var (callerReads, _) = await Acme.GetJsonAsync("/v1/rules/restricted-dates");
        var (noReason, _) = await Admin.SendAsync(HttpMethod.Delete, "/v1/rules/restricted-dates/nope", new { });

        Assert.Equal(HttpStatusCode.Forbidden, callerAdds);
        Assert.Equal(HttpStatusCode.Forbidden, supervisorAdds);
        Assert.Equal(HttpStatusCode.Forbidden, callerReads);
        Assert.Equal(HttpStatusCode.BadRequest, noReason);
    }

    [Fact]
    public async Task Rules_AtAnInstant_ShowsTheEntriesInForceWithSourcesAndVersion()
    {
        await Admin.PostJsonAsync("/v1/rules/restricted-dates", Emergency());

        var (status, now) = await Supervisor.GetJsonAsync("/v1/rules");
        var (_, past) = await Supervisor.GetJsonAsync("/v1/rules?at=2023-06-30T12:00:00Z");
        var (_, later) = await Supervisor.GetJsonAsync("/v1/rules?at=2023-07-02T12:00:00Z");
        var (bad, problem) = await Supervisor.GetJsonAsync("/v1/rules?at=yesterday");
        var (callerStatus, _) = await Acme.GetJsonAsync("/v1/rules");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Matches("^[^@]+@[0-9a-f]{12}$", (string?)now["version"]);
        Assert.Equal("2026-11-30T18:00:00+00:00", (string?)now["at"]);
        var windows = now["rules"]!["callingHours"]!.AsArray();
        Assert.Contains(windows, w => (string?)w!["jurisdiction"] == "US-LA"
            && ((string?)w["citation"])!.Contains("R-29617", StringComparison.Ordinal)
            && (string?)w["effectiveFrom"] == "2008-01-01");
        Assert.Single(now["restrictedDates"]!.AsArray());
        Assert.Contains(now["rules"]!["dayBans"]!.AsArray(),
            b => (string?)b!["jurisdiction"] == "US-AL" && (string?)b["days"]![0] == "Sunday");
        Assert.Null(now["rules"]!["entries"]);
        Assert.Contains(past["rules"]!["holidayBans"]!.AsArray(), h => (string?)h!["jurisdiction"] == "US-MS");
        Assert.DoesNotContain(later["rules"]!["holidayBans"]!.AsArray(), h => (string?)h!["jurisdiction"] == "US-MS");
        Assert.DoesNotContain(past["rules"]!["callingHours"]!.AsArray(), w => (string?)w!["jurisdiction"] == "US-CT");
        Assert.Empty(past["restrictedDates"]!.AsArray());
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.NotNull(problem["errors"]!["at"]);
        Assert.Equal(HttpStatusCode.Forbidden, callerStatus);
    }

    [Fact]
    public async Task RulesVersion_OnTheDecisionTheCallRecordAndStoredRuleBook()
    {
        await Acme.GrantAsync(Phone, "transactional");
        var (_, rules) = await Supervisor.GetJsonAsync("/v1/rules");
        var version = (string)rules["version"]!;

        var decision = await CheckAsync(Acme, Phone);
        var (_, placed) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        var (_, call) = await Acme.GetJsonAsync($"/v1/calls/{placed["id"]}");

        Assert.Equal(version, (string?)decision["rulesVersion"]);
        Assert.Equal(version, (string?)call["decision"]!["rulesVersion"]);
        Assert.Equal(version, App.Query(db => db.Calls.Single().RulesVersion));
        Assert.Equal(version, App.Query(db => db.RuleBooks.Single().Version));
    }
}
