using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using VoiceProxy.Compliance;
using VoiceProxy.Data;

namespace VoiceProxy.Tests.Supervisor;

/// <summary>
/// The real service on Kestrel at a loopback port (a browser cannot reach TestServer), seeded with an allowed call, a
/// blocked one and an opted-out one, plus Debian's Chromium driven by Playwright. Playwright's own browser download
/// does not work on these machines, so the system Chromium is used: when it is missing it is installed with apt-get
/// (once per test run, as root or through sudo), the way the PostgreSQL tests start their own server; if that fails,
/// the tests fail saying so.
/// </summary>
public sealed class SupervisorSite : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>Acme's app subscribes at an address where nothing listens, so its deliveries wait on retries.</summary>
    public const string DeadWebhookUrl = "http://127.0.0.1:9/voiceproxy-events";

    public VoiceProxyApplication App { get; } = new(new()
    {
        ["VoiceProxy:Sellers:0:Webhooks:0:Url"] = DeadWebhookUrl,
        ["VoiceProxy:Sellers:0:Webhooks:0:Secret"] = WebhookReceiver.Secret,
    });
    public string BaseUrl { get; private set; } = "";
    public IBrowser Browser { get; private set; } = null!;
    public string AllowedId { get; private set; } = "";
    public string BlockedId { get; private set; } = "";
    public string OptedOutId { get; private set; } = "";
    public string Spoken { get; } = "Hello, this is Acme Outdoor Supply calling about order A-1001.";

    /// <summary>Screenshots and downloads, under the test output folder (bin/, never committed).</summary>
    public static string Artifacts { get; } =
        Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts", "supervisor")).FullName;

    private const string InstallCommand = "apt-get update && apt-get install -y chromium";

    /// <summary>One install attempt per test run, shared by every fixture; a failure is kept and reported to each.</summary>
    private static readonly Lazy<string> Chromium = new(InstallChromiumIfMissing, LazyThreadSafetyMode.ExecutionAndPublication);

    private IPlaywright? _playwright;

    public async Task InitializeAsync()
    {
        await Task.Run(() => Chromium.Value);

        // HTTPS, as in production: outside Development the session cookie is Secure with the __Host- prefix.
        App.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(Certificate)));
        App.StartServer();
        BaseUrl = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        await SeedAsync();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // The site's certificate is made by the test; the browser is told to accept it.
            Args = [.. Environment.UserName == "root" ? ["--no-sandbox"] : Array.Empty<string>(), "--ignore-certificate-errors",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-gpu"],
        });
    }

    private static string InstallChromiumIfMissing()
    {
        if (File.Exists(ChromiumPath)) return ChromiumPath;
        static string Failed(string why) =>
            $"Chromium is missing at {ChromiumPath} and the browser tests could not install it: {why}. " +
            $"Install it yourself with '{InstallCommand}' as root.";
        if (!File.Exists("/usr/bin/apt-get")) throw new InvalidOperationException(Failed("there is no apt-get (not Debian?)"));
        var root = Environment.IsPrivilegedProcess;
        if (!root && !File.Exists("/usr/bin/sudo")) throw new InvalidOperationException(Failed("not root, and no sudo"));

        // sudo -n never waits for a password: without passwordless sudo it fails at once, and the message says what to run.
        var start = new ProcessStartInfo(root ? "sh" : "sudo")
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] args = root ? [] : ["-n", "env", "DEBIAN_FRONTEND=noninteractive", "sh"];
        foreach (var arg in args.Concat(["-c", InstallCommand])) start.ArgumentList.Add(arg);
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var install = Process.Start(start) ?? throw new InvalidOperationException(Failed("the install did not start"));
        var output = install.StandardOutput.ReadToEndAsync();
        var error = install.StandardError.ReadToEndAsync();
        if (!install.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            install.Kill(entireProcessTree: true);
            throw new InvalidOperationException(Failed("the install took more than 15 minutes"));
        }
        if (install.ExitCode != 0 || !File.Exists(ChromiumPath))
        {
            var lines = (error.Result + output.Result).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var tail = string.Join(" | ", lines.TakeLast(5)).TrimEnd('.');
            var command = (root ? "" : "sudo -n ") + InstallCommand;
            var outcome = install.ExitCode == 0 ? "ran, yet Chromium is still not there" : $"exited with {install.ExitCode}";
            throw new InvalidOperationException(Failed($"'{command}' {outcome}; its last output: {tail}"));
        }
        return ChromiumPath;
    }

    /// <summary>A self-signed certificate for 127.0.0.1, made for this run.</summary>
    public X509Certificate2 Certificate { get; } = LoopbackCertificate.Create();

    public HttpClient Client(string? key = null, CookieContainer? cookies = null)
    {
        var handler = new HttpClientHandler
        {
            CookieContainer = cookies ?? new CookieContainer(), AllowAutoRedirect = false,
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == Certificate.Thumbprint,
        };
        var client = new HttpClient(handler) { BaseAddress = new Uri(BaseUrl) };
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
        call.Events.Add(new CallEvent
        {
            CallId = call.Id, At = at, Type = "message.rendered",
            DetailJson = $$"""{"text":"{{Spoken}}","template":"order-update"}"""
        });
        call.Events.Add(new CallEvent
        {
            CallId = call.Id, At = at.AddSeconds(30), Type = "call.opted_out", DetailJson = """{"channel":"keypad"}"""
        });
        await db.SaveChangesAsync();
    }

    /// <summary>Two more calls, seeded once on request (the page tests count three): one answered by a person who opted
    /// out, every step recorded by the real webhooks; and a blocked one whose decision gives dnc_internal from two checks
    /// among many reasons (a row wide enough to squeeze the list's other columns).</summary>
    public Task<(string AnsweredId, string TwiceBlockedId)> SeedMoreAsync() => _more ??= SeedMoreOnceAsync();

    private Task<(string, string)>? _more;

    private async Task<(string, string)> SeedMoreOnceAsync()
    {
        const string phone = "+14155550126";
        App.Time.Advance(TimeSpan.FromMinutes(2));
        using var acme = Client(VoiceProxyApplication.AcmeKey);
        var answeredId = await ReviewData.PlaceAllowedAsync(acme, phone);
        var sid = App.Query(db => db.Calls.Single(c => c.Id == answeredId).TwilioCallSid)!;
        using var http = Client();
        var twilio = new TwilioWebhookClient(http);
        Dictionary<string, string> Status(string status, int sequence, string? duration = null)
        {
            var form = new Dictionary<string, string>
            { ["CallSid"] = sid, ["CallStatus"] = status, ["SequenceNumber"] = $"{sequence}" };
            if (duration is not null) form["CallDuration"] = duration;
            return form;
        }
        await twilio.PostAsync($"/twilio/status/{answeredId}", Status("initiated", 0));
        await twilio.PostAsync($"/twilio/status/{answeredId}", Status("ringing", 1));
        await twilio.TwimlAsync($"/twilio/voice/{answeredId}", new() { ["CallSid"] = sid, ["AnsweredBy"] = "human" });
        await twilio.PostAsync($"/twilio/status/{answeredId}", Status("in-progress", 2));
        await twilio.TwimlAsync($"/twilio/gather/{answeredId}?attempt=0", new() { ["CallSid"] = sid, ["Digits"] = "9" });
        await twilio.PostAsync($"/twilio/status/{answeredId}", Status("completed", 3, duration: "41"));

        var at = App.Time.GetUtcNow().AddMinutes(2);
        var since = at.AddDays(-9);
        Check Dnc(string detail) => Check.Blocked("dnc_internal", "47 CFR 64.1200(d)(3), (d)(6)", ReasonCodes.DncInternal,
            $"The number is on the seller's do-not-call list since {since:O}.", detail);
        var checks = new List<Check>
        {
            Check.Blocked("consent", "47 CFR 64.1200(a)(1)-(3); 16 CFR 310.4(b)(1)(v)", ReasonCodes.ConsentInsufficient,
                "Marketing calls need express written consent; only oral consent is recorded."),
            Dnc("on the seller's list (added by the API)"),
            Dnc("on the seller's list (added by a keypress opt-out)"),
            Check.Blocked("dnc_national", "47 CFR 64.1200(c)(2)", ReasonCodes.DncNational, "On the national registry."),
            Check.Blocked("dnc_state", "Fla. Stat. 501.059", ReasonCodes.DncState, "The number is on the FL state list."),
            Check.Blocked("calling_hours", "47 CFR 64.1200(c)(1)", ReasonCodes.OutsideCallingHours,
                "It is 22:10 where the customer is; calls are allowed 08:00-20:00."),
            Check.Blocked("frequency_cap", "Fla. Stat. 501.616(6)(b)", ReasonCodes.FrequencyCap, "3 calls in 24 hours already."),
        };
        var reasons = checks.Select(c => new Reason(c.Code!, c.Rule, c.Message!)).ToList();
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var blocked = ReviewData.Record(at, to: "+14155550127", allowed: false);
        var twice = new CallRecord
        {
            Id = blocked.Id, Seller = blocked.Seller, To = blocked.To, From = blocked.From,
            Template = blocked.Template, Language = blocked.Language, VariablesJson = blocked.VariablesJson, Allowed = false,
            Purpose = "marketing",
            DecisionJson = JsonSerializer.Serialize(new Decision(false, at, checks, reasons, null, []), web),
            ReasonCodes = string.Join(' ', reasons.Select(r => r.Code).Distinct()), // as the service writes them
            Status = blocked.Status, RequestedAt = at, UpdatedAt = at,
        };
        twice.Events.Add(new CallEvent
        {
            CallId = twice.Id, At = at, Type = "call.requested",
            DetailJson = """{"actor":"acme-app","template":"order-update","language":"en-US","customer":null}"""
        });
        twice.Events.Add(new CallEvent
        {
            CallId = twice.Id, At = at, Type = "call.decided",
            DetailJson = JsonSerializer.Serialize(
                new { allowed = false, reasons = reasons.Select(r => r.Code), nextAllowedAt = (DateTimeOffset?)null }, web)
        });
        // A type the page has no sentence for: it falls back to plain "key: value" text.
        twice.Events.Add(new CallEvent
        {
            CallId = twice.Id, At = at, Type = "call.reviewed",
            DetailJson = """{"by":"supervisor","note":"checked","flags":{"escalated":false}}"""
        });
        App.Insert(twice);
        return (answeredId, twice.Id);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        App.Dispose();
        Certificate.Dispose();
    }
}
