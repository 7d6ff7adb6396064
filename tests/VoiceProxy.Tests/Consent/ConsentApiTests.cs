using System.Net;

namespace VoiceProxy.Tests.Consent;

/// <summary>Consent through the HTTP API: an append-only history, and the state derived from it.</summary>
public sealed class ConsentApiTests : ApplicationTests
{
    private static readonly string PhonePath = ApiHelpers.Path(Phone);

    [Fact]
    public async Task Consent_GrantRevokeRegrant_HistoryIsAppendOnlyAndStateFollowsIt()
    {
        await Acme.GrantAsync(Phone, "marketing", "express_written");
        await Acme.PostJsonAsync("/v1/consents/revocations", new { phone = Phone, scope = "marketing", channel = "website" });
        App.Time.Advance(TimeSpan.FromHours(1));
        await Acme.PostJsonAsync("/v1/consents",
            new { phone = Phone, scope = "transactional", kind = "express", source = "checkout" });

        var (status, view) = await Acme.GetJsonAsync($"/v1/consents/{PhonePath}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("revoked", (string?)view["current"]!["marketing"]!["state"]);
        Assert.Equal("granted", (string?)view["current"]!["transactional"]!["state"]);
        var history = view["history"]!.AsArray();
        Assert.Equal(["grant", "revoke", "grant"], history.Select(h => (string)h!["action"]!));
        Assert.Contains("Not a condition of purchase", (string?)history[0]!["evidence"]!["disclosureText"]);
        Assert.Equal(3, App.Query(db => db.Consents.Count()));
        Assert.Equal(3, App.Query(db => db.AuditEvents.Count(e => e.Type.StartsWith("consent."))));
    }

    [Fact]
    public async Task Consent_BackdatedGrantAfterRevocation_StaysRevoked()
    {
        await Acme.PostJsonAsync("/v1/consents/revocations", new { phone = Phone, channel = "email" });
        await Acme.GrantAsync(Phone, "transactional"); // captured 2026-10-01, before the revocation

        var (_, view) = await Acme.GetJsonAsync($"/v1/consents/{PhonePath}");

        Assert.Equal("revoked", (string?)view["current"]!["transactional"]!["state"]);
    }
}
