using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using VoiceProxy.Telephony;

namespace VoiceProxy.Tests.Telephony;

/// <summary>The signature check on its own: status callbacks arrive by the thousand per second, so checking one allocates
/// nothing beyond the dedup key it hands on.</summary>
public sealed class WebhookSignatureTests
{
    private const string Path = "/twilio/status/0c4f6b1e2d3a4958";

    private static readonly Dictionary<string, string> Fields = new()
    {
        ["AccountSid"] = VoiceProxyApplication.AccountSid, ["ApiVersion"] = "2010-04-01",
        ["CallSid"] = "CA0123456789abcdef0123456789abcdef", ["CallStatus"] = "in-progress", ["CallDuration"] = "",
        ["Called"] = "+14155550123", ["Caller"] = VoiceProxyApplication.AcmeCallerId, ["Direction"] = "outbound-api",
        ["From"] = VoiceProxyApplication.AcmeCallerId, ["To"] = "+14155550123", ["SequenceNumber"] = "2",
        ["Timestamp"] = "Mon, 30 Nov 2026 18:00:05 +0000", ["CallbackSource"] = "call-progress-events",
    };

    [Fact]
    public void Verify_TypicalStatusCallback_AllocatesOnlyTheDedupKey()
    {
        var signature = new WebhookSignature(VoiceProxyApplication.AuthToken, VoiceProxyApplication.PublicBaseUrl);
        var form = new FormCollection(Fields.ToDictionary(f => f.Key, f => new StringValues(f.Value)));
        var signed = TwilioWebhookClient.Sign(VoiceProxyApplication.PublicBaseUrl + Path, Fields,
            VoiceProxyApplication.AuthToken);
        for (var i = 0; i < 100; i++) Assert.NotNull(signature.Verify(Path, null, form, signed));

        const int checks = 1000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < checks; i++) signature.Verify(Path, null, form, signed);
        var perCheck = (GC.GetAllocatedBytesForCurrentThread() - before) / checks;

        // The key ("sig:" and 44 base64 characters, about 120 bytes) and the record that carries it (24 bytes).
        Assert.True(perCheck <= 160, $"{perCheck} bytes per check");
    }

    [Fact]
    public void Verify_DefaultPortWrittenOrNot_BothFormsAcceptedWithOneDedupKey()
    {
        var signature = new WebhookSignature(VoiceProxyApplication.AuthToken, VoiceProxyApplication.PublicBaseUrl);
        var form = new FormCollection(Fields.ToDictionary(f => f.Key, f => new StringValues(f.Value)));
        var withPort = VoiceProxyApplication.PublicBaseUrl.Replace(".com/", ".com:443/", StringComparison.Ordinal);

        var plain = signature.Verify(Path, null, form,
            TwilioWebhookClient.Sign(VoiceProxyApplication.PublicBaseUrl + Path, Fields, VoiceProxyApplication.AuthToken));
        var ported = signature.Verify(Path, null, form, TwilioWebhookClient.Sign(withPort + Path, Fields,
            VoiceProxyApplication.AuthToken));
        var otherPort = signature.Verify(Path, null, form, TwilioWebhookClient.Sign(
            VoiceProxyApplication.PublicBaseUrl.Replace(".com/", ".com:8443/", StringComparison.Ordinal) + Path, Fields,
            VoiceProxyApplication.AuthToken));

        Assert.NotNull(plain);
        Assert.Equal(plain, ported);
        Assert.Null(otherPort);
    }
}
