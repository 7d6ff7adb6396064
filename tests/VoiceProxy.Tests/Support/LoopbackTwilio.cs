using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace VoiceProxy.Tests.Support;

/// <summary>A loopback stand-in for Twilio's Calls API that remembers what it created, so a restarted service can find
/// its in-flight calls by listing them, as it would at Twilio. Its clock is the program's (<see cref="RealClock"/>).</summary>
public sealed class LoopbackTwilio : IAsyncDisposable
{
    private readonly WebApplication _app;
    public ConcurrentDictionary<string, (string To, string From, DateTimeOffset Created)> Calls { get; } = new();

    private LoopbackTwilio(WebApplication app) => _app = app;

    public string Url => _app.Urls.First();

    public static async Task<LoopbackTwilio> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var twilio = new LoopbackTwilio(app);
        app.MapPost("/2010-04-01/Accounts/{account}/Calls.json", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            var sid = "CA" + Guid.NewGuid().ToString("N");
            twilio.Calls[sid] = (form["To"]!, form["From"]!, RealClock.ProgramNow);
            return Results.Json(new { sid, status = "queued", to = (string?)form["To"], from = (string?)form["From"] },
                statusCode: 201);
        });
        app.MapGet("/2010-04-01/Accounts/{account}/Calls.json", (string? to) => Results.Json(new
        {
            calls = twilio.Calls.Where(c => c.Value.To == to).Select(c => new
            {
                sid = c.Key, to = c.Value.To, from = c.Value.From, status = "completed",
                date_created = c.Value.Created.ToString("R"),
            }),
            end = 0, first_page_uri = "/x", next_page_uri = (string?)null, page = 0, page_size = 20,
            previous_page_uri = (string?)null, start = 0, uri = "/x",
        }));
        app.MapGet("/v2/PhoneNumbers/{phone}", (string phone, string? lastVerifiedDate) => Results.Json(new
        {
            phone_number = phone, valid = true,
            line_type_intelligence = new { type = "mobile", carrier_name = "Loopback Wireless" },
            reassigned_number = lastVerifiedDate is null
                ? null : new { last_verified_date = lastVerifiedDate, is_number_reassigned = "no" },
        }));
        await app.StartAsync();
        return twilio;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
