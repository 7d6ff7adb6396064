using System.Net;
using System.Text.Json;
using System.Web;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Lookup;

/// <summary>
/// Twilio Lookup in Simulated mode: answers GET /v2/PhoneNumbers/{number} in-process the way Lookup v2 does, chosen by the
/// last four digits of the number (any area code); logs that no real lookup was made.
/// <list type="table">
/// <item><term>0133</term><description>reassigned after any date (<c>is_number_reassigned: yes</c>), mobile</description></item>
/// <item><term>0122</term><description>no data (<c>no_data_available</c>), mobile</description></item>
/// <item><term>0111</term><description>toll-free (<c>tollFree</c>), not reassigned</description></item>
/// <item><term>0188</term><description>a landline (<c>landline</c>), not reassigned</description></item>
/// <item><term>anything else</term><description>mobile, not reassigned (<c>no</c>)</description></item>
/// </list>
/// </summary>
internal sealed class SimulatedLookup(ILogger<SimulatedLookup> log) : HttpMessageHandler
{
    public static (string LineType, string Reassigned) AnswerFor(string phone) => phone.Length >= 4 ? phone[^4..] switch
    {
        "0133" => ("mobile", "yes"),
        "0122" => ("mobile", "no_data_available"),
        "0111" => ("tollFree", "no"),
        "0188" => ("landline", "no"),
        _ => ("mobile", "no"),
    } : ("mobile", "no");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var path = request.RequestUri!.AbsolutePath;
        const string prefix = "/v2/PhoneNumbers/";
        if (request.Method != HttpMethod.Get || !path.StartsWith(prefix, StringComparison.Ordinal))
            return Task.FromResult(Json(HttpStatusCode.NotFound,
                new { code = 20404, message = "The simulated Twilio Lookup only answers phone number lookups.", status = 404 }));
        var phone = Uri.UnescapeDataString(path[prefix.Length..]);
        var query = HttpUtility.ParseQueryString(request.RequestUri.Query);
        var fields = (query["Fields"] ?? "").Split(',');
        var (lineType, reassigned) = AnswerFor(phone);
        log.LogWarning(
            "SIMULATED Twilio Lookup: no real lookup was made ({Phone}, {Fields}).", Phone.Mask(phone), query["Fields"]);
        var lastVerified = query["LastVerifiedDate"] is { Length: 8 } d ? $"{d[..4]}-{d[4..6]}-{d[6..]}" : null;
        return Task.FromResult(Json(HttpStatusCode.OK, new Dictionary<string, object?>
        {
            ["calling_country_code"] = "1", ["country_code"] = "US", ["phone_number"] = phone, ["valid"] = true,
            ["validation_errors"] = Array.Empty<string>(),
            ["line_type_intelligence"] = fields.Contains(LookupFields.LineType)
                ? new { type = lineType, carrier_name = "Simulated Carrier", error_code = (int?)null } : null,
            ["reassigned_number"] = fields.Contains(LookupFields.Reassigned)
                ? new { last_verified_date = lastVerified, is_number_reassigned = reassigned, error_code = (string?)null } : null,
            ["url"] = $"https://lookups.twilio.com/v2/PhoneNumbers/{phone}",
        }));
    }

    private static HttpResponseMessage Json(HttpStatusCode status, object body) => new(status)
    {
        Content = new StringContent(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json"),
    };
}
