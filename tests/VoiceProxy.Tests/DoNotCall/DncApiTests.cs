using System.Net;

namespace VoiceProxy.Tests.DoNotCall;

/// <summary>The seller's own do-not-call list through the HTTP API, and the registry lists beside it.</summary>
public sealed class DncApiTests : ApplicationTests
{
    private static readonly string PhonePath = ApiHelpers.Path(Phone);

    [Fact]
    public async Task Dnc_AddGetAndAdminRemoveWithReason()
    {
        var admin = App.ClientWithKey(VoiceProxyApplication.AdminKey);
        await Acme.PostJsonAsync("/v1/dnc", new { phone = Phone, reason = "asked by email" });

        var (_, listed) = await Acme.GetJsonAsync($"/v1/dnc/{PhonePath}");
        var (noReason, _) = await admin.SendAsync(HttpMethod.Delete, $"/v1/dnc/{PhonePath}?seller=acme", new { });
        var (removed, _) = await admin.SendAsync(HttpMethod.Delete, $"/v1/dnc/{PhonePath}?seller=acme",
            new { reason = "entered by mistake; customer confirmed in writing" });
        var (again, _) = await admin.SendAsync(HttpMethod.Delete, $"/v1/dnc/{PhonePath}?seller=acme", new { reason = "twice" });
        var (_, after) = await Acme.GetJsonAsync($"/v1/dnc/{PhonePath}");

        Assert.True((bool)listed["internal"]!["listed"]!);
        Assert.Equal("asked by email", (string?)listed["internal"]!["reason"]);
        Assert.Equal(HttpStatusCode.BadRequest, noReason);
        Assert.Equal(HttpStatusCode.NoContent, removed);
        Assert.Equal(HttpStatusCode.NotFound, again);
        Assert.False((bool)after["internal"]!["listed"]!);
        Assert.Equal(2, App.Query(db => db.DncEntries.Count()));
        Assert.Single(App.Query(db => db.AuditEvents.Where(e => e.Type == "dnc.removed" && e.Actor == "admin").ToList()));
    }

    [Fact]
    public async Task Dnc_ShowsRegistryListsWithAsOf()
    {
        App.ImportRegistry("national", new DateOnly(2026, 11, 20), Phone);
        App.ImportRegistry("state:TX", new DateOnly(2026, 11, 21));

        var (_, view) = await Acme.GetJsonAsync($"/v1/dnc/{PhonePath}");
        var (status, registry) = await App.ClientWithKey(VoiceProxyApplication.SupervisorKey).GetJsonAsync("/v1/registry");

        Assert.True((bool)view["national"]!["listed"]!);
        Assert.Equal("2026-11-20", (string?)view["national"]!["asOf"]);
        Assert.Equal("state:TX", (string?)view["states"]![0]!["list"]);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["national", "state:TX"], registry.AsArray().Select(l => (string)l!["name"]!));
        Assert.Equal(10, (int?)registry[0]!["ageDays"]);
        Assert.False((bool)registry[0]!["stale"]!);
        // Each copy taken into use is recorded without the swap waiting for it (SnapshotRegistry.RecordLoaded).
        List<string> Loaded() =>
            App.Query(db => db.AuditEvents.Where(e => e.Type == "registry.loaded").Select(e => e.Subject!).ToList());
        Assert.True(SpinWait.SpinUntil(() => Loaded().Count >= 2, TimeSpan.FromSeconds(10)), "registry.loaded not recorded");
        Assert.Equal(["national", "state:TX"], Loaded());
    }
}
