using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using VoiceProxy.Data;

namespace VoiceProxy.Tests.Supervisor;

/// <summary>
/// The real service on Kestrel at a loopback port (a browser cannot reach TestServer), seeded with an allowed call, a
/// blocked one and an opted-out one, plus Debian's Chromium driven by Playwright. Playwright's own browser download
/// does not work on these machines, so the system Chromium is required: its absence fails the tests, loudly.
/// </summary>
public sealed class SupervisorSite : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public VoiceProxyApplication App { get; } = new();
    public string BaseUrl { get; private set; } = "";
    public IBrowser Browser { get; private set; } = null!;
    public string AllowedId { get; private set; } = "";
    public string BlockedId { get; private set; } = "";
    public string OptedOutId { get; private set; } = "";
    public string Spoken { get; } = "Hello, this is Acme Outdoor Supply calling about order A-1001.";

    /// <summary>Screenshots and downloads, under the test output folder (bin/, never committed).</summary>
    public static string Artifacts { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts", "supervisor")).FullName;

    private IPlaywright? _playwright;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException(
                $"Chromium is missing at {ChromiumPath}; the browser tests need it. Install it with 'apt-get update && apt-get install -y chromium' (.ci/run does this).");

        App.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        App.StartServer();
        BaseUrl = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        await SeedAsync();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = [.. Environment.UserName == "root" ? ["--no-sandbox"] : Array.Empty<string>(),
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-gpu"],
        });
    }

    public HttpClient Client(string? key = null, CookieContainer? cookies = null)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(BaseUrl) };
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private async Task SeedAsync()
    {
        App.ImportRegistry("national", App.Today.AddDays(-3), "+12025550100");
        using var acme = Client(VoiceProxyApplication.AcmeKey);
        AllowedId = await ReviewData.PlaceAllowedAsync(acme, "+14155550123");
        App.Time.Advance(TimeSpan.FromMinutes(2));
        BlockedId = await ReviewData.PlaceBlockedAsync(acme, "+14155550124");
        App.Time.Advance(TimeSpan.FromMinutes(2));
        OptedOutId = await ReviewData.PlaceAllowedAsync(acme, "+14155550125");

        // The customer heard the message and pressed the opt-out digit: recorded here the way the call's webhooks record it.
        using var scope = App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VoiceProxyDb>();
        var call = await db.Calls.Include(c => c.Events).SingleAsync(c => c.Id == OptedOutId);
        var at = App.Time.GetUtcNow();
        call.Status = "completed";
        call.AnsweredBy = "human";
        call.DurationSeconds = 41;
        call.OptedOut = true;
        call.UpdatedAt = at;
        call.Events.Add(new CallEvent { CallId = call.Id, At = at, Type = "message.rendered", DetailJson = $$"""{"text":"{{Spoken}}","template":"order-update"}""" });
        call.Events.Add(new CallEvent { CallId = call.Id, At = at.AddSeconds(30), Type = "call.opted_out", DetailJson = """{"channel":"keypad"}""" });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        App.Dispose();
    }
}
