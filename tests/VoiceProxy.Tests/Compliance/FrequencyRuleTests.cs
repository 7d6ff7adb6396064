using VoiceProxy.Compliance;
using VoiceProxy.Consent;

namespace VoiceProxy.Tests.Compliance;

/// <summary>docs/compliance-rules.md section 6: at most 3 marketing calls per rolling 24 hours per seller and number;
/// transactional calls use the configured cap and window (default 5 per 24 hours).</summary>
public sealed class FrequencyRuleTests
{
    // At = Wed 2026-07-15 19:00Z (12:00 PDT, 415 CA): inside every window, so only the cap can block.
    private static List<DateTimeOffset> Ago(DateTimeOffset at, string agoMinutes) =>
        agoMinutes.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(m => at - TimeSpan.FromMinutes(double.Parse(m, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();

    [Theory]
    // purpose, recent calls as minutes before now, allowed
    [InlineData(Purpose.Marketing, "", true)]
    [InlineData(Purpose.Marketing, "60", true)]
    [InlineData(Purpose.Marketing, "60;120", true)]
    [InlineData(Purpose.Marketing, "60;120;180", false)]
    [InlineData(Purpose.Marketing, "1;2;3;4", false)]
    [InlineData(Purpose.Marketing, "0;60;120", false)]         // a call at this very instant counts
    [InlineData(Purpose.Marketing, "1440;60;120", true)]       // exactly 24 h old: out of the window
    [InlineData(Purpose.Marketing, "1439.99;60;120", false)]   // 24 h minus 0.6 s: still in
    [InlineData(Purpose.Marketing, "1439;60;120", false)]
    [InlineData(Purpose.Marketing, "1441;1500;2000;60;120", true)]
    [InlineData(Purpose.Transactional, "60;120;180", true)]
    [InlineData(Purpose.Transactional, "60;120;180;240", true)]
    [InlineData(Purpose.Transactional, "60;120;180;240;300", false)]
    [InlineData(Purpose.Transactional, "1440;60;120;180;240", true)]
    [InlineData(Purpose.Transactional, "1439;60;120;180;240", false)]
    public void FrequencyCap_DefaultSettings_CountsRollingWindow(Purpose purpose, string agoMinutes, bool allowed)
    {
        var c = GateCase.Default with { Purpose = purpose };
        var decision = (c with { RecentCalls = Ago(c.At, agoMinutes) }).Decide();

        var check = decision.CheckOf("frequency_cap");
        Assert.Equal(allowed ? Outcome.Pass : Outcome.Block, check.Outcome);
        Assert.Equal(allowed, decision.Allowed);
        if (!allowed)
        {
            Assert.Equal(ReasonCodes.FrequencyCap, check.Code);
            Assert.Equal([ReasonCodes.FrequencyCap], decision.Codes());
            Assert.NotNull(decision.NextAllowedAt);
        }
    }

    [Theory]
    // transactional cap 2 per 72 h (configured)
    [InlineData(Purpose.Transactional, "60", true)]
    [InlineData(Purpose.Transactional, "60;4000", false)]      // 4000 min = 66.7 h: inside 72 h
    [InlineData(Purpose.Transactional, "60;4320", true)]       // exactly 72 h
    [InlineData(Purpose.Transactional, "2000;3000", false)]    // both older than 24 h but inside 72 h
    // marketing keeps its own 24 h window whatever the transactional window is
    [InlineData(Purpose.Marketing, "1500;2000;3000", true)]
    [InlineData(Purpose.Marketing, "60;120;180", false)]
    public void FrequencyCap_ConfiguredTransactionalCapAndWindow_Respected(Purpose purpose, string agoMinutes, bool allowed)
    {
        var c = GateCase.Default with
        {
            Purpose = purpose,
            Gate = new Gate(GateTestData.Settings(transactionalMaxCalls: 2, transactionalWindowHours: 72))
        };
        var decision = (c with { RecentCalls = Ago(c.At, agoMinutes) }).Decide();

        Assert.Equal(allowed ? Outcome.Pass : Outcome.Block, decision.CheckOf("frequency_cap").Outcome);
        Assert.Equal(allowed, decision.Allowed);
    }

    [Theory]
    [InlineData(1, "", true)]
    [InlineData(1, "600", false)]
    [InlineData(2, "600", true)]
    [InlineData(2, "600;700", false)]
    public void FrequencyCap_ConfiguredMarketingCap_Respected(int cap, string agoMinutes, bool allowed)
    {
        var c = GateCase.Default with
        {
            Purpose = Purpose.Marketing,
            Gate = new Gate(GateTestData.Settings(marketingPer24Hours: cap))
        };
        var decision = (c with { RecentCalls = Ago(c.At, agoMinutes) }).Decide();

        Assert.Equal(allowed, decision.Allowed);
    }

    [Fact]
    public void FrequencyCap_CallsAfterTheInstantDecided_NotCounted()
    {
        // Replaying an old decision: calls placed after the instant must not count against it.
        var c = GateCase.Default with { Purpose = Purpose.Marketing };
        var decision = (c with { RecentCalls = [c.At.AddMinutes(1), c.At.AddMinutes(2), c.At.AddMinutes(3)] }).Decide();

        Assert.True(decision.Allowed);
    }
}
