using System.Net;

namespace VoiceProxy.Tests.Integration;

public sealed class ConsentAndDncTests : IDisposable
{
    private const string Phone = "+14155550123";
    private static readonly string PhonePath = ApiHelpers.Path(Phone);
    private readonly VoiceProxyApplication _app = new();
    private readonly HttpClient _acme;

    public ConsentAndDncTests() => _acme = _app.Acme();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Consent_GrantRevokeRegrant_HistoryIsAppendOnlyAndStateFollowsIt()
    {
        await _acme.GrantAsync(Phone, "marketing", "express_written");
        await _acme.PostJsonAsync("/v1/consents/revocations", new { phone = Phone, scope = "marketing", channel = "website" });
        _app.Time.Advance(TimeSpan.FromHours(1));
        await _acme.PostJsonAsync("/v1/consents", new { phone = Phone, scope = "transactional", kind = "express", source = "checkout" });

        var (status, view) = await _acme.GetJsonAsync($"/v1/consents/{PhonePath}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("revoked", (string?)view["current"]!["marketing"]!["state"]);
        Assert.Equal("granted", (string?)view["current"]!["transactional"]!["state"]);
        var history = view["history"]!.AsArray();
        Assert.Equal(["grant", "revoke", "grant"], history.Select(h => (string)h!["action"]!));
        Assert.Contains("Not a condition of purchase", (string?)history[0]!["evidence"]!["disclosureText"]);
        Assert.Equal(3, _app.Query(db => db.Consents.Count()));
        Assert.Equal(3, _app.Query(db => db.AuditEvents.Count(e => e.Type.StartsWith("consent."))));
    }

    [Fact]
    public async Task Consent_BackdatedGrantAfterRevocation_StaysRevoked()
    {
        await _acme.PostJsonAsync("/v1/consents/revocations", new { phone = Phone, channel = "email" });
        await _acme.GrantAsync(Phone, "transactional"); // captured 2026-10-01, before the revocation

        var (_, view) = await _acme.GetJsonAsync($"/v1/consents/{PhonePath}");

        Assert.Equal("revoked", (string?)view["current"]!["transactional"]!["state"]);
    }

    [Fact]
    public async Task Dnc_AddGetAndAdminRemoveWithReason()
    {
        var admin = _app.ClientWithKey(VoiceProxyApplication.AdminKey);
        await _acme.PostJsonAsync("/v1/dnc", new { phone = Phone, reason = "asked by email" });

        var (_, listed) = await _acme.GetJsonAsync($"/v1/dnc/{PhonePath}");
        var (noReason, _) = await admin.SendAsync(HttpMethod.Delete, $"/v1/dnc/{PhonePath}?seller=acme", new { });
        var (removed, _) = await admin.SendAsync(HttpMethod.Delete, $"/v1/dnc/{PhonePath}?seller=acme", new { reason = "entered by mistake; customer confirmed in writing" });
        var (again, _) = await admin.SendAsync(HttpMethod.Delete, $"/v1/dnc/{PhonePath}?seller=acme", new { reason = "twice" });
        var (_, after) = await _acme.GetJsonAsync($"/v1/dnc/{PhonePath}");

        Assert.True((bool)listed["internal"]!["listed"]!);
        Assert.Equal("asked by email", (string?)listed["internal"]!["reason"]);
        Assert.Equal(HttpStatusCode.BadRequest, noReason);
        Assert.Equal(HttpStatusCode.NoContent, removed);
        Assert.Equal(HttpStatusCode.NotFound, again);
        Assert.False((bool)after["internal"]!["listed"]!);
        Assert.Equal(2, _app.Query(db => db.DncEntries.Count()));
        Assert.Single(_app.Query(db => db.AuditEvents.Where(e => e.Type == "dnc.removed" && e.Actor == "admin").ToList()));
    }

    [Fact]
    public async Task Dnc_ShowsRegistryListsWithAsOf()
    {
        _app.ImportRegistry("national", new DateOnly(2026, 11, 20), Phone);
        _app.ImportRegistry("state:TX", new DateOnly(2026, 11, 21));

        var (_, view) = await _acme.GetJsonAsync($"/v1/dnc/{PhonePath}");
        var (status, registry) = await _app.ClientWithKey(VoiceProxyApplication.SupervisorKey).GetJsonAsync("/v1/registry");

        Assert.True((bool)view["national"]!["listed"]!);
        Assert.Equal("2026-11-20", (string?)view["national"]!["asOf"]);
        Assert.Equal("state:TX", (string?)view["states"]![0]!["list"]);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["national", "state:TX"], registry.AsArray().Select(l => (string)l!["name"]!));
        Assert.Equal(10, (int?)registry[0]!["ageDays"]);
        Assert.False((bool)registry[0]!["stale"]!);
        Assert.Equal(["national", "state:TX"], _app.Query(db => db.AuditEvents.Where(e => e.Type == "registry.loaded").Select(e => e.Subject!).ToList()));
    }
}
