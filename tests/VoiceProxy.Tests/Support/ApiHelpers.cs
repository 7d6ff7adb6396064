using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace VoiceProxy.Tests.Support;

/// <summary>Requests a shop app would send, for tests to read as one line each.</summary>
public static class ApiHelpers
{
    public static object OrderUpdate(string to, string? from = null, object? customer = null) => new
    {
        to, purpose = "transactional", template = "order-update", language = "en-US",
        variables = new Dictionary<string, string> { ["orderNumber"] = "A-1001", ["orderStatus"] = "shipped" }, from, customer,
    };

    public static object Offer(string to, object? customer = null) => new
    {
        to, purpose = "marketing", template = "marketing", language = "en-US",
        variables = new Dictionary<string, string> { ["offer"] = "twenty percent off tents" }, customer,
    };

    public static async Task GrantAsync(this HttpClient client, string phone, string scope, string kind = "express")
    {
        var response = await client.PostAsJsonAsync("/v1/consents", new
        {
            phone, scope, kind, capturedAt = "2026-10-01T12:00:00Z", source = "checkout-form",
            evidence = kind == "express_written"
                ? new
                {
                    disclosureText = "By checking this box you agree to receive automated marketing calls from Acme. "
                        + "Not a condition of purchase.",
                    pageUrl = "https://shop.example/checkout",
                }
                : null,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    public static async Task<(HttpStatusCode Status, JsonNode Body)> SendAsync(this HttpClient client, HttpMethod method,
        string url, object? body = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!);
    }

    public static Task<(HttpStatusCode Status, JsonNode Body)> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.SendAsync(HttpMethod.Post, url, body);

    public static Task<(HttpStatusCode Status, JsonNode Body)> GetJsonAsync(this HttpClient client, string url) =>
        client.SendAsync(HttpMethod.Get, url);

    /// <summary>GET /v1/audit/verify once every committed event is sealed (the sealer runs a few times a second), so the
    /// answer covers everything written before the call; fails after 15 seconds.</summary>
    public static async Task<(HttpStatusCode Status, JsonNode Body)> VerifySealedAsync(this HttpClient supervisor)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var (status, body) = await supervisor.GetJsonAsync("/v1/audit/verify");
            if (status != HttpStatusCode.OK || (long?)body["unsealed"] == 0) return (status, body);
            Assert.True(DateTime.UtcNow < deadline, $"Audit events still unsealed after 15 s: {body.ToJsonString()}");
            await Task.Delay(50);
        }
    }

    public static IEnumerable<string> ReasonCodes(this JsonNode problem) =>
        problem["reasons"]!.AsArray().Select(r => (string)r!["code"]!);

    public static string Path(string phone) => Uri.EscapeDataString(phone);

    /// <summary>A body written as JSON text, sent as it is.</summary>
    public static System.Text.Json.JsonElement Json(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement.Clone();
}
