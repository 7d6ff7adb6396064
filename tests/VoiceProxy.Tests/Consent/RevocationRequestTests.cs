using System.Net;

namespace VoiceProxy.Tests.Consent;

/// <summary>POST /v1/consents/revocations: when the consumer asked (requestedAt) orders the history beside when it was
/// recorded, and a revocation's scope follows the rule book: every purpose once the revoke-all rule (47 CFR 64.1200(a)(10),
/// FCC 24-24; in the rule book from 2027-01-31) is in force.</summary>
public sealed class RevocationRequestTests
{
    private const string Phone = "+14155550123";
    private static readonly string PhonePath = ApiHelpers.Path(Phone);

    [Fact]
    public async Task Revocation_RequestedAt_IsTheEffectiveInstantAndRecordedAtIsNow()
    {
        using var app = new VoiceProxyApplication();
        using var acme = app.Acme();
        await acme.GrantAsync(Phone, "transactional");

        var (status, entry) = await acme.PostJsonAsync("/v1/consents/revocations",
            new { phone = Phone, scope = "transactional", channel = "email", requestedAt = "2026-11-27T15:00:00Z" });

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("2026-11-27T15:00:00+00:00", (string?)entry["at"]);
        Assert.Equal("2026-11-30T18:00:00+00:00", (string?)entry["recordedAt"]);
        var payload = app.Query(db => db.AuditEvents.Single(e => e.Type == "consent.revoked").PayloadJson);
        Assert.Contains("\"requestedAt\":\"2026-11-27T15:00:00+00:00\"", payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revocation_RequestedAtInTheFuture_400AndNothingStored()
    {
        using var app = new VoiceProxyApplication();
        using var acme = app.Acme();

        var (status, problem) = await acme.PostJsonAsync("/v1/consents/revocations",
            new { phone = Phone, scope = "marketing", requestedAt = "2026-12-01T00:00:00Z" });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.NotNull(problem["errors"]!["requestedAt"]);
        Assert.Equal(0, app.Query(db => db.Consents.Count()));
    }

    [Theory]
    // Before the revoke-all rule is in force a scoped revocation stays scoped; from its effective date it reaches every
    // purpose; asked before it but recorded after, it reaches every purpose too (the stricter of the two instants).
    [InlineData("2026-11-30T18:00:00Z", null, "marketing", "granted")]
    [InlineData("2027-01-30T09:00:00Z", null, "marketing", "granted")]
    [InlineData("2027-02-01T18:00:00Z", null, null, "revoked")]
    [InlineData("2027-02-01T18:00:00Z", "2027-01-20T12:00:00Z", null, "revoked")]
    public async Task Revocation_ScopeFollowsTheRuleBookInForce(
        string now, string? requestedAt, string? recordedScope, string transactionalAfter)
    {
        using var app = new VoiceProxyApplication(
            now: DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture));
        using var acme = app.Acme();
        await acme.GrantAsync(Phone, "transactional");

        var (status, entry) = await acme.PostJsonAsync("/v1/consents/revocations",
            new { phone = Phone, scope = "marketing", channel = "website", requestedAt });
        var (_, view) = await acme.GetJsonAsync($"/v1/consents/{PhonePath}");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(recordedScope, (string?)entry["scope"]);
        Assert.Equal(transactionalAfter, (string?)view["current"]!["transactional"]!["state"]);
        Assert.Equal("revoked", (string?)view["current"]!["marketing"]!["state"]);
        var payload = app.Query(db => db.AuditEvents.Single(e => e.Type == "consent.revoked").PayloadJson);
        Assert.Contains("\"requestedScope\":\"marketing\"", payload, StringComparison.Ordinal);
        if (recordedScope is null) Assert.Contains("64.1200(a)(10)", payload, StringComparison.Ordinal);
    }
}
