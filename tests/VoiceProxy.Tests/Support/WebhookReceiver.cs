using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace VoiceProxy.Tests.Support;

/// <summary>One event as a seller's app received it, after its signature was verified.</summary>
public sealed record ReceivedEvent(string Path, string WebhookId, long Timestamp, string Raw)
{
    public JsonNode Body { get; } = JsonNode.Parse(Raw)!;
    public string Type => (string)Body["type"]!;
    public JsonNode Data => Body["data"]!;
}

/// <summary>A seller's app on a loopback port, receiving VoiceProxy's events on any path. Every request's signature is checked
/// with the Standard Webhooks header scheme by a verifier written here from the specification (not the library the service
/// signs with): <c>webhook-signature</c> holds space-separated <c>v1,&lt;base64 HMAC-SHA256&gt;</c> of
/// <c>"{webhook-id}.{webhook-timestamp}.{body}"</c>, keyed with the base64 bytes after <c>whsec_</c>, compared in constant
/// time; the timestamp must be within five minutes of <see cref="Now"/>, and the body's id must be the webhook-id. A request
/// that fails is answered 401 and kept in <see cref="Rejected"/>; one that passes is kept in <see cref="Received"/> and
/// answered by <see cref="Respond"/> (200 by default).</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    /// <summary>A made-up secret: whsec_ and base64 of 32 bytes.</summary>
    public const string Secret = "whsec_bWFkZS11cC13ZWJob29rLXNpZ25pbmcta2V5LTAwMDE=";
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private readonly WebApplication _app;
    private readonly byte[] _key = Convert.FromBase64String(Secret["whsec_".Length..]);

    private WebhookReceiver(WebApplication app, Func<DateTimeOffset> now) => (_app, Now) = (app, now);

    public ConcurrentQueue<ReceivedEvent> Received { get; } = new();
    public ConcurrentQueue<string> Rejected { get; } = new();
    public Func<DateTimeOffset> Now { get; }
    /// <summary>The status to answer a verified event with; may wait (a receiver that hangs).</summary>
    public Func<ReceivedEvent, HttpContext, Task<int>> Respond { get; set; } = (_, _) => Task.FromResult(200);

    public string Url => _app.Urls.First();

    public static async Task<WebhookReceiver> StartAsync(Func<DateTimeOffset> now)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, now);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        if (Verify(http.Request.Headers, body) is { } problem)
        {
            Rejected.Enqueue($"{http.Request.Path}: {problem}");
            http.Response.StatusCode = 401;
            return;
        }
        var received = new ReceivedEvent(http.Request.Path, http.Request.Headers["webhook-id"]!,
            long.Parse(http.Request.Headers["webhook-timestamp"]!, System.Globalization.CultureInfo.InvariantCulture), body);
        Received.Enqueue(received);
        http.Response.StatusCode = await Respond(received, http);
    }

    /// <summary>Null when the request is signed as Standard Webhooks says; else what is wrong.</summary>
    public string? Verify(IHeaderDictionary headers, string body)
    {
        string? id = headers["webhook-id"], timestamp = headers["webhook-timestamp"], signatures = headers["webhook-signature"];
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signatures))
            return "a webhook header is missing";
        if (!long.TryParse(timestamp, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture,
                out var seconds))
            return "webhook-timestamp is not Unix seconds";
        if ((DateTimeOffset.FromUnixTimeSeconds(seconds) - Now()).Duration() > Tolerance) return "webhook-timestamp is stale";
        var expected = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"));
        var signed = signatures.Split(' ').Any(s => s.StartsWith("v1,", StringComparison.Ordinal)
            && Convert.TryFromBase64String(s[3..], new byte[32], out var n) && n == 32
            && CryptographicOperations.FixedTimeEquals(Convert.FromBase64String(s[3..]), expected));
        if (!signed) return "no v1 signature matches";
        return (string?)JsonNode.Parse(body)?["id"] == id ? null : "the body's id is not the webhook-id";
    }

    /// <summary>Waits (real time, up to 20 s) until <paramref name="done"/> holds for what was received.</summary>
    public async Task<List<ReceivedEvent>> WaitForAsync(Func<List<ReceivedEvent>, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var received = Received.ToList();
            if (done(received)) return received;
            Assert.True(DateTime.UtcNow < deadline,
                $"Still waiting for {what}; received: {string.Join(", ", received.Select(r => $"{r.Path} {r.Type}"))}");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
