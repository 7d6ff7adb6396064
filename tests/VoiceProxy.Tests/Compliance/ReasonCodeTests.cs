using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using VoiceProxy.Compliance;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Tests.Compliance;

/// <summary>Each reason code, produced through the HTTP API; a blocked call never reaches Twilio.</summary>
public sealed class ReasonCodeTests : ApplicationTests
{
    private async Task<IReadOnlyList<string>> BlockedAsync(HttpClient client, object body)
    {
        var (status, problem) = await client.PostJsonAsync("/v1/calls", body);
        Assert.Equal((HttpStatusCode)422, status);
        Assert.Empty(App.CreateCallRequests);
        return problem.ReasonCodes().ToList();
    }

    private void FreshNational(params string[] listed) => App.ImportRegistry(RegistryLists.National, App.Today.AddDays(-3),
        listed);

    [Fact]
    public async Task NoConsent_ConsentMissing() =>
        Assert.Equal(["consent_missing"], await BlockedAsync(Acme, ApiHelpers.OrderUpdate(Phone)));

    [Fact]
    public async Task MarketingWithExpressConsent_ConsentInsufficient()
    {
        FreshNational();
        await Acme.GrantAsync(Phone, "marketing", "express");
        Assert.Equal(["consent_insufficient"], await BlockedAsync(Acme, ApiHelpers.Offer(Phone)));
    }

    [Fact]
    public async Task RevokedConsent_ConsentRevoked()
    {
        await Acme.GrantAsync(Phone, "transactional");
        var (status, _) = await Acme.PostJsonAsync("/v1/consents/revocations",
            new { phone = Phone, channel = "email", note = "asked by email" });
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(["consent_revoked"], await BlockedAsync(Acme, ApiHelpers.OrderUpdate(Phone)));
    }

    [Fact]
    public async Task InternalList_DncInternalEvenWithConsent()
    {
        await Acme.GrantAsync(Phone, "transactional");
        var (status, _) = await Acme.PostJsonAsync("/v1/dnc", new { phone = Phone, reason = "customer asked on the phone" });
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(["dnc_internal"], await BlockedAsync(Acme, ApiHelpers.OrderUpdate(Phone)));
    }

    [Fact]
    public async Task NationalRegistry_DncNationalWhenSellerRefusesExemption()
    {
        var globex = App.ClientWithKey(VoiceProxyApplication.GlobexKey);
        FreshNational(Phone);
        await globex.GrantAsync(Phone, "marketing", "express_written");
        Assert.Equal(["dnc_national"], await BlockedAsync(globex, ApiHelpers.Offer(Phone)));
    }

    [Fact]
    public async Task NationalRegistry_WrittenConsentExemptsAndDecisionShowsAsOf()
    {
        FreshNational(Phone);
        await Acme.GrantAsync(Phone, "marketing", "express_written");

        var (status, call) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.Offer(Phone));

        Assert.Equal(HttpStatusCode.Created, status);
        var check = call["decision"]!["checks"]!.AsArray().Single(c => (string?)c!["rule"] == "dnc_national")!;
        Assert.Equal("exempt", (string?)check["outcome"]);
        Assert.Equal(App.Today.AddDays(-3).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            (string?)call["decision"]!["lists"]![0]!["asOf"]);
    }

    [Fact]
    public async Task NationalRegistry_TransactionalCallToListedNumberIsAllowed()
    {
        FreshNational(Phone);
        await Acme.GrantAsync(Phone, "transactional");
        var (status, _) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        Assert.Equal(HttpStatusCode.Created, status);
    }

    [Fact]
    public async Task StateRegistry_DncStateForFloridaNumber()
    {
        // Florida keeps a list and has no rule that blocks an automated marketing call outright (Texas does: state_adad).
        const string florida = "+13055550123";
        FreshNational();
        App.ImportRegistry(RegistryLists.State("FL"), App.Today.AddDays(-1), florida);
        var globex = App.ClientWithKey(VoiceProxyApplication.GlobexKey);
        await globex.GrantAsync(florida, "marketing", "express_written");
        Assert.Equal(["dnc_state"], await BlockedAsync(globex, ApiHelpers.Offer(florida)));
    }

    [Fact]
    public async Task StaleRegistry_RegistryStale()
    {
        App.ImportRegistry(RegistryLists.National, App.Today.AddDays(-32));
        await Acme.GrantAsync(Phone, "marketing", "express_written");
        Assert.Equal(["registry_stale"], await BlockedAsync(Acme, ApiHelpers.Offer(Phone)));
    }

    [Fact]
    public async Task FloridaListMissing_RegistryStaleForFloridaNumber()
    {
        const string florida = "+13055550123";
        FreshNational();
        await Acme.GrantAsync(florida, "marketing", "express_written");
        Assert.Equal(["registry_stale"], await BlockedAsync(Acme, ApiHelpers.Offer(florida)));
    }

    [Fact]
    public async Task LateEvening_OutsideCallingHoursWithNextAllowedAt()
    {
        await Acme.GrantAsync(Phone, "transactional");
        App.Time.SetUtcNow(new DateTimeOffset(2026, 12, 1, 5, 30, 0, TimeSpan.Zero)); // 21:30 Monday in California

        var (status, problem) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));

        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal(["outside_calling_hours"], problem.ReasonCodes().Distinct());
        Assert.Equal("2026-12-01T17:00:00+00:00", (string?)problem["nextAllowedAt"]); // 09:00 Pacific: California's window
    }

    [Fact]
    public async Task SundayInAlabama_RestrictedDayAndAutomatedDialerRule()
    {
        const string alabama = "+12055550123";
        // Sunday noon Central
        using var app = new VoiceProxyApplication(now: new DateTimeOffset(2026, 11, 29, 18, 0, 0, TimeSpan.Zero));
        var acme = app.Acme();
        app.ImportRegistry(RegistryLists.National, app.Today, []);
        await acme.GrantAsync(alabama, "marketing", "express_written");

        var (status, problem) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.Offer(alabama));

        Assert.Equal((HttpStatusCode)422, status);
        Assert.Empty(app.CreateCallRequests);
        // No Sunday calls (r. 770-X-5-.17(1)(b)), and the frame cannot give the number within 20 s ((1)(e)): waiting lifts
        // only the first, so there is no next allowed instant.
        Assert.Equal(["restricted_day", "adad_not_allowed"], problem.ReasonCodes());
        Assert.Null((string?)problem["nextAllowedAt"]);
    }

    [Fact]
    public async Task FourthMarketingCallIn24Hours_FrequencyCap()
    {
        FreshNational();
        await Acme.GrantAsync(Phone, "marketing", "express_written");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await Acme.PostJsonAsync("/v1/calls", ApiHelpers.Offer(Phone))).Status);
            App.Time.Advance(TimeSpan.FromMinutes(30));
        }

        var (status, problem) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.Offer(Phone));

        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal(["frequency_cap"], problem.ReasonCodes());
        Assert.Equal(3, App.CreateCallRequests.Count);
        Assert.Equal("2026-12-01T18:00:00+00:00", (string?)problem["nextAllowedAt"]);
    }

    [Fact]
    public async Task FromNotOwned_CallerIdNotAllowed()
    {
        await Acme.GrantAsync(Phone, "transactional");
        Assert.Equal(["caller_id_not_allowed"], await BlockedAsync(Acme, ApiHelpers.OrderUpdate(Phone, from: "+12125550100")));
    }

    [Fact]
    public async Task AreaCodeMissingFromTable_UnknownLocation()
    {
        using var app = new VoiceProxyApplication(services: s =>
            s.AddSingleton(NpaTable.Parse(new StringReader("npa,states,timeZones,note\n212,NY,America/New_York,\n"))));
        var acme = app.Acme();
        await acme.GrantAsync(Phone, "transactional");

        var (status, problem) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));

        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal(["unknown_location"], problem.ReasonCodes());
        Assert.Null(problem["nextAllowedAt"]);
    }

    [Fact]
    public async Task AreaCodeNotInService_UnknownLocation()
    {
        const string unassigned = "+12385550100"; // well formed, but no region has area code 238
        await Acme.GrantAsync(unassigned, "transactional");

        var (status, problem) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(unassigned));

        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal(["unknown_location"], problem.ReasonCodes());
        Assert.Empty(App.CreateCallRequests);
    }

    [Fact]
    public async Task CustomerInFlorida_StricterHoursForCaliforniaNumber()
    {
        FreshNational();
        App.ImportRegistry(RegistryLists.State("FL"), App.Today);
        await Acme.GrantAsync(Phone, "marketing", "express_written");
        // 17:30 Pacific, 20:30 Eastern, 19:30 Central
        App.Time.SetUtcNow(new DateTimeOffset(2026, 12, 1, 1, 30, 0, TimeSpan.Zero));

        var (status, problem) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.Offer(Phone, customer: new { state = "FL" }));

        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal(["outside_calling_hours"], problem.ReasonCodes().Distinct());
    }
}
