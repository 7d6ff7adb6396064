using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VoiceProxy.Compliance;
using VoiceProxy.Consent;
using VoiceProxy.Data;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Tests.Bulk;

/// <summary>POST /v1/compliance/replay: recorded calls decided again, on their kept facts or today's, by a rule book.</summary>
public sealed class ReplayTests : IDisposable
{
    /// <summary>A rule book stored beside the current one in this test: Florida's marketing window opens at 14:00 instead of
    /// 8:00. Replay finds it by its label, as it finds any rule book a server ran with.</summary>
    private const string Narrowed = "florida-afternoons";

    private static RuleBook NarrowedBook(RuleBook current)
    {
        var json = JsonNode.Parse(current.Content)!;
        json["version"] = Narrowed;
        foreach (var hours in json["callingHours"]!.AsArray().Where(h => (string?)h!["jurisdiction"] == "US-FL"))
            hours!["start"] = "14:00";
        return RuleBook.Parse(json.ToJsonString());
    }

    private const string Phone = "+14155550123";

    public ReplayTests()
    {
        App = new VoiceProxyApplication();
        using (var scope = App.Services.CreateScope())
            RuleBooks.RecordAsync(NarrowedBook(App.Services.GetRequiredService<Gate>().Settings.Rules),
                scope.ServiceProvider.GetRequiredService<VoiceProxyDb>(), App.Services.GetRequiredService<StoreWriter>(),
                App.Time).GetAwaiter().GetResult();
        Acme = App.Acme();
        Supervisor = App.ClientWithKey(VoiceProxyApplication.SupervisorKey);
    }

    private VoiceProxyApplication App { get; }
    private HttpClient Acme { get; }
    private HttpClient Supervisor { get; }

    public void Dispose()
    {
        Acme.Dispose();
        Supervisor.Dispose();
        App.Dispose();
    }

    private static object Range(string rules = "current", string facts = "recorded") => new
    {
        from = VoiceProxyApplication.MondayMidday.AddHours(-1), to = VoiceProxyApplication.MondayMidday.AddHours(1), rules, facts,
    };

    private async Task<string> PlaceAsync(object body)
    {
        var (_, call) = await Acme.PostJsonAsync("/v1/calls", body);
        return (string)(call["id"] ?? call["callId"])!;
    }

    /// <summary>Marketing calls at 13:00 in Florida and at 10:00 in California, placed and blocked: with the window narrowed,
    /// exactly the Florida ones differ (the placed one is now refused, the blocked one refused for one more reason).</summary>
    [Fact]
    public async Task Replay_NarrowedStateWindow_FindsExactlyTheCallsItAffects()
    {
        const string florida = "+13055550101", floridaNoConsent = "+13055550102", california = "+14155550103";
        App.ImportRegistry(RegistryLists.National, App.Today.AddDays(-3), []);
        App.ImportRegistry(RegistryLists.State("FL"), App.Today.AddDays(-3), []);
        await Acme.GrantAsync(florida, "marketing", "express_written");
        await Acme.GrantAsync(california, "marketing", "express_written");
        var placedFlorida = await PlaceAsync(ApiHelpers.Offer(florida));
        var blockedFlorida = await PlaceAsync(ApiHelpers.Offer(floridaNoConsent));
        await PlaceAsync(ApiHelpers.Offer(california));
        await PlaceAsync(ApiHelpers.OrderUpdate(florida));

        var (same, unchanged) = await Supervisor.PostJsonAsync("/v1/compliance/replay", Range());
        var (status, replay) = await Supervisor.PostJsonAsync("/v1/compliance/replay", Range(Narrowed));

        Assert.Equal(HttpStatusCode.OK, same);
        Assert.Equal(4, (int)unchanged["calls"]!);
        Assert.Equal(0, (int)unchanged["changed"]!);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(4, (int)replay["calls"]!);
        Assert.Equal(2, (int)replay["changed"]!);
        Assert.Equal(0, (int)replay["factsNotKept"]!);
        var differences = replay["differences"]!.AsArray().ToDictionary(d => (string)d!["callId"]!);
        Assert.Equal(new[] { placedFlorida, blockedFlorida }.Order(), differences.Keys.Order());
        var placed = differences[placedFlorida]!;
        Assert.True((bool)placed["before"]!["allowed"]!);
        Assert.False((bool)placed["after"]!["allowed"]!);
        Assert.Equal(["outside_calling_hours"], placed["after"]!["reasons"]!.AsArray().Select(r => (string)r!));
        Assert.Equal(["consent_missing", "outside_calling_hours"],
            differences[blockedFlorida]!["after"]!["reasons"]!.AsArray().Select(r => (string)r!).Order());
    }

    /// <summary>A revocation after the call: on the kept facts the call stands; on today's it would be refused. A call
    /// recorded without kept facts is re-decided on today's and flagged.</summary>
    [Fact]
    public async Task Replay_KeptFactsAgainstToday_AndCallsWithoutKeptFactsFlagged()
    {
        await Acme.GrantAsync(Phone, "transactional");
        var first = await PlaceAsync(ApiHelpers.OrderUpdate(Phone));
        const string other = "+14155550177";
        await Acme.GrantAsync(other, "transactional");
        var old = await PlaceAsync(ApiHelpers.OrderUpdate(other));
        Assert.NotNull(App.Query(db => db.Calls.Single(c => c.Id == first).FactsJson));
        App.Query(db => db.Calls.Where(c => c.Id == old).ExecuteUpdate(u => u.SetProperty(c => c.FactsJson, (string?)null)));
        await Acme.PostJsonAsync("/v1/consents/revocations", new { phone = Phone, channel = "email" });
        await Acme.PostJsonAsync("/v1/consents/revocations", new { phone = other, channel = "email" });

        var (_, recorded) = await Supervisor.PostJsonAsync("/v1/compliance/replay", Range());
        var (_, today) = await Supervisor.PostJsonAsync("/v1/compliance/replay", Range(facts: "current"));

        Assert.Equal(1, (int)recorded["factsNotKept"]!);
        var flagged = recorded["differences"]!.AsArray().Single()!;
        Assert.Equal(old, (string?)flagged["callId"]);
        Assert.True((bool)flagged["factsNotKept"]!);
        Assert.Equal(["consent_revoked"], flagged["after"]!["reasons"]!.AsArray().Select(r => (string)r!));
        Assert.Equal(2, (int)today["changed"]!);
        Assert.Equal(0, (int)today["factsNotKept"]!);
    }

    [Fact]
    public async Task Replay_BadRequests_400AndCallerRefused()
    {
        const string url = "/v1/compliance/replay";
        Assert.Equal(HttpStatusCode.BadRequest, (await Supervisor.PostJsonAsync(url, Range("2019-01"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Supervisor.PostJsonAsync(url, Range(facts: "x"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Supervisor.PostJsonAsync("/v1/compliance/replay",
            new { from = VoiceProxyApplication.MondayMidday, to = VoiceProxyApplication.MondayMidday.AddDays(-1) })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Acme.PostJsonAsync("/v1/compliance/replay", Range())).Status);
    }

    [Fact]
    public void KeptFacts_RoundTrip_SameDecision()
    {
        var gate = App.Services.GetRequiredService<Gate>();
        var facts = new CallFacts(
            new ConsentStatus(ConsentState.Granted, "express", VoiceProxyApplication.MondayMidday.AddDays(-9)),
            new ConsentStatus(ConsentState.Revoked, null, VoiceProxyApplication.MondayMidday.AddDays(-2)),
            VoiceProxyApplication.MondayMidday.AddDays(-1),
            [new RegistryFact("national", true, App.Today.AddDays(-3)), new RegistryFact("state:TX", false, null)],
            new Location(["TX", "FL"], [TimeZoneInfo.FindSystemTimeZoneById("America/Chicago")], "area code 512"),
            [VoiceProxyApplication.MondayMidday.AddHours(-2)],
            new SellerPolicy(["+14155550100"], false, true),
            [new RestrictedDateFact("rd-1", "TX", new DateOnly(2026, 12, 24), new DateOnly(2026, 12, 26), "any", "proclaimed")],
            null);
        var intent = new CallIntent("acme", "+15125550101", Purpose.Marketing, "+14155550100");

        var kept = KeptFacts.Serialize(facts);
        var back = KeptFacts.Deserialize(kept)!;

        Assert.True(kept.Length < 600, kept);
        Assert.Equal(JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(gate.Decide(intent, facts, App.Time.GetUtcNow())))!
            .ToJsonString(), JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(gate.Decide(intent, back,
                App.Time.GetUtcNow())))!.ToJsonString());
        Assert.Null(KeptFacts.Deserialize("{\"v\":99}"));
        Assert.Null(KeptFacts.Deserialize("not json"));
    }
}
