using System.Net;
using VoiceProxy.Compliance;
using VoiceProxy.Consent;

namespace VoiceProxy.Tests.Compliance;

/// <summary>47 CFR 64.1200(b)(3); 16 CFR 310.4(b)(1)(v)(B)(ii): a marketing call gives a toll-free number that reaches an
/// automated opt-out line, so a seller without one makes none.</summary>
public sealed class OptOutLineRuleTests
{
    [Theory]
    [InlineData(Purpose.Marketing, true, Outcome.Pass)]
    [InlineData(Purpose.Marketing, false, Outcome.Block)]
    [InlineData(Purpose.Transactional, true, Outcome.NotApplicable)]
    [InlineData(Purpose.Transactional, false, Outcome.NotApplicable)]
    public void OptOutLine_ByPurposeAndLine_ExpectedOutcome(Purpose purpose, bool tollFreeLine, string outcome)
    {
        var decision = (GateCase.Default with { Purpose = purpose, TollFreeOptOutLine = tollFreeLine }).Decide();

        var check = decision.CheckOf("opt_out_line");
        Assert.Equal(outcome, check.Outcome);
        Assert.Equal("47 CFR 64.1200(b)(3); 16 CFR 310.4(b)(1)(v)(B)(ii)", check.Citation);
        Assert.Equal(outcome != Outcome.Block, decision.Allowed);
        if (outcome != Outcome.Block) return;
        Assert.Equal([ReasonCodes.OptOutLineMissing], decision.Codes());
        Assert.Null(decision.NextAllowedAt);
    }

    /// <summary>What the seller's OptOutNumber setting makes of it: only a toll-free number counts (none: a seller
    /// configured without one).</summary>
    [Theory]
    [InlineData(null, "opt_out_line_missing")]
    [InlineData("+14155550111", "opt_out_line_missing")]
    [InlineData("+18885550166", null)]
    [InlineData("+18665550166", null)]
    public async Task MarketingCall_BySellersOptOutNumber_BlockedBeforeDiallingWithoutTollFreeLine(string? line, string? code)
    {
        const string initechKey = "test-initech-caller-key-0001";
        using var app = new VoiceProxyApplication(line is null
            ? VoiceProxyApplication.WithInitech(initechKey)
            : new() { ["VoiceProxy:Sellers:0:OptOutNumber"] = line });
        using var acme = app.ClientWithKey(line is null ? initechKey : VoiceProxyApplication.AcmeKey);
        app.ImportRegistry("national", app.Today);
        await acme.GrantAsync("+14155550123", "marketing", "express_written");

        var (status, body) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.Offer("+14155550123"));

        if (code is null)
        {
            Assert.Equal(HttpStatusCode.Created, status);
            Assert.Single(app.CreateCallRequests);
            return;
        }
        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal([code], body.ReasonCodes());
        Assert.Empty(app.CreateCallRequests);
    }
}
