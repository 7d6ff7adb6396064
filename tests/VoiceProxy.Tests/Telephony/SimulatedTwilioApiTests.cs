using Twilio.Security;
using VoiceProxy.Telephony;

namespace VoiceProxy.Tests.Telephony;

/// <summary>The simulated Twilio's parts that need no running service: its signatures, checked with Twilio's own SDK, and
/// the scenario each test number chooses.</summary>
public sealed class SimulatedTwilioApiTests
{
    [Fact]
    public void Sign_ComparedWithTwilioSdk_Validates()
    {
        var form = new Dictionary<string, string> { ["CallSid"] = "CA123", ["CallStatus"] = "ringing", ["SequenceNumber"] = "1" };
        const string url = "http://127.0.0.1:5080/twilio/gather/abc?attempt=0";

        var signature = SimulatedTwilioApi.Sign(url, form, VoiceProxyApplication.AuthToken);

        Assert.True(new RequestValidator(VoiceProxyApplication.AuthToken).Validate(url, form, signature));
    }

    [Theory]
    [InlineData("+14155550199", "PressesOptOutDigit")]
    [InlineData("+12125550186", "SaysStopCalling")]
    [InlineData("+14155550177", "Busy")]
    [InlineData("+14155550155", "NoAnswer")]
    [InlineData("+14155550166", "Voicemail")]
    [InlineData("+14155550144", "Fails")]
    [InlineData("+14155550100", "Listens")]
    [InlineData("+14155550123", "Listens")]
    public void ScenarioFor_LastFourDigits_ChoosesBehaviour(string to, string expected) =>
        Assert.Equal(expected, SimulatedTwilioApi.ScenarioFor(to).ToString());
}
