using System.Xml.Linq;
using VoiceProxy.Telephony;

namespace VoiceProxy.Tests.Support;

/// <summary>Posts webhooks the way Twilio does: form-encoded, signed with HMAC-SHA1 of the public URL followed by every
/// form field's name and value in name order, keyed with the auth token. The tests' one signer.</summary>
public sealed class TwilioWebhookClient(HttpClient client, string authToken = VoiceProxyApplication.AuthToken,
    string publicBaseUrl = VoiceProxyApplication.PublicBaseUrl)
{
    /// <summary>X-Twilio-Signature for a request to <paramref name="url"/>: the simulated Twilio's signer, which
    /// SimulatedTwilioApiTests checks against Twilio's own SDK.</summary>
    public static string Sign(string url, IEnumerable<KeyValuePair<string, string>> form, string authToken) =>
        SimulatedTwilioApi.Sign(url, form, authToken);

    /// <summary>POSTs to a path under the public base URL; returns the status and the body.</summary>
    public Task<(System.Net.HttpStatusCode Status, string Body)> PostAsync(string pathAndQuery,
        Dictionary<string, string> form, string? signature = null, string? idempotencyToken = null) =>
        PostFieldsAsync(pathAndQuery, [.. form], signature, idempotencyToken);

    /// <summary>As <see cref="PostAsync"/>, with the fields in the order given, a name possibly more than once.</summary>
    public async Task<(System.Net.HttpStatusCode Status, string Body)> PostFieldsAsync(string pathAndQuery,
        IReadOnlyList<KeyValuePair<string, string>> form, string? signature = null, string? idempotencyToken = null)
    {
        var url = publicBaseUrl + pathAndQuery;
        using var request = new HttpRequestMessage(HttpMethod.Post, pathAndQuery) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", signature ?? Sign(url, form, authToken));
        if (idempotencyToken is not null) request.Headers.Add("I-Twilio-Idempotency-Token", idempotencyToken);
        var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>POSTs and parses the TwiML answer.</summary>
    public async Task<XElement> TwimlAsync(string pathAndQuery, Dictionary<string, string> form)
    {
        var (status, body) = await PostAsync(pathAndQuery, form);
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        var twiml = XElement.Parse(body);
        Assert.Equal("Response", twiml.Name.LocalName);
        return twiml;
    }
}
