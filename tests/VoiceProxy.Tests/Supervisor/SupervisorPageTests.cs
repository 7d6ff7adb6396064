using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace VoiceProxy.Tests.Supervisor;

/// <summary>The supervisor page in Debian's Chromium against the service on a loopback port.</summary>
public sealed class SupervisorPageTests(SupervisorSite site) : IClassFixture<SupervisorSite>
{
    private async Task<(IBrowserContext Context, IPage Page)> OpenAsync(int width = 1280, int height = 900)
    {
        var context = await site.Browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = width, Height = height }, AcceptDownloads = true, BaseURL = site.BaseUrl,
            // The site's certificate is made by the test (SupervisorSite); the page's API requests accept it too.
            IgnoreHTTPSErrors = true,
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/supervisor");
        return (context, page);
    }

    private static PageScreenshotOptions Screenshot(string name) =>
        new() { Path = Path.Combine(SupervisorSite.Artifacts, name), FullPage = true };

    private static async Task SignInAsync(IPage page, string key = VoiceProxyApplication.SupervisorKey)
    {
        await page.GetByLabel("Supervisor API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    private static ILocator Filters(IPage page) => page.GetByRole(AriaRole.Form, new() { Name = "Filter calls" });

    private static ILocator Rows(IPage page) => page.Locator("#calls tbody tr");

    [Fact]
    public async Task Page_SignInFilterOpenExportSignOut_EachStepShowsWhatItShould()
    {
        var (context, page) = await OpenAsync();
        await using var _ = context;

        await SignInAsync(page);
        await Expect(page.GetByText("Signed in as supervisor")).ToBeVisibleAsync();
        await Expect(Rows(page)).ToHaveCountAsync(3);
        await Expect(page.Locator("#registry tbody")).ToContainTextAsync("national");
        await Expect(page.Locator("#rules-version")).ToContainTextAsync("version ");
        await Expect(page.Locator("#rules tbody")).ToContainTextAsync("LPSC General Order R-29617");
        await Expect(page.Locator("#rules tbody")).ToContainTextAsync("US-RI");
        await Expect(page.Locator("#figures")).ToContainTextAsync("Requested3");
        var session = (await context.CookiesAsync()).Single(c => c.Name == "__Host-voiceproxy-supervisor");
        Assert.True(session.HttpOnly);
        Assert.True(session.Secure);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);
        await page.ScreenshotAsync(Screenshot("list-1280.png"));

        // Blocked calls only, then the blocked call's reasons.
        await Filters(page).GetByLabel("Decision").SelectOptionAsync("false");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
        await Expect(Rows(page)).ToHaveCountAsync(1);
        await Expect(Rows(page).First).ToContainTextAsync("consent_missing");
        await Expect(page.Locator("#by-reason")).ToContainTextAsync("consent_missing: 1");
        await Rows(page).First.GetByRole(AriaRole.Link, new() { Name = "Open" }).First.ClickAsync();
        await Expect(page.Locator("#d-verdict")).ToContainTextAsync("BLOCKED");
        await Expect(page.Locator("#d-reasons")).ToContainTextAsync("consent_missing");
        var consentRow = page.Locator("#d-checks tbody tr").Filter(new() { HasText = "block" });
        await Expect(consentRow.First).ToBeVisibleAsync();
        await Expect(page.Locator("#d-checks")).ToContainTextAsync("64.1200");
        Assert.EndsWith($"#/calls/{site.BlockedId}", page.Url);
        await page.ScreenshotAsync(Screenshot("detail-blocked-1280.png"));

        // Opted-out calls, then the opt-out on the call's page.
        await page.GetByRole(AriaRole.Link, new() { Name = "Back to the list" }).ClickAsync();
        await Filters(page).GetByLabel("Decision").SelectOptionAsync("");
        await Filters(page).GetByLabel("Opted out").SelectOptionAsync("true");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
        await Expect(Rows(page)).ToHaveCountAsync(1);
        await Expect(Rows(page).First).ToContainTextAsync("OPTED OUT");
        await Rows(page).First.GetByRole(AriaRole.Link, new() { Name = "Open" }).First.ClickAsync();
        await Expect(page.Locator("#opt-out-banner")).ToBeVisibleAsync();
        await Expect(page.Locator("#opt-out-banner")).ToContainTextAsync("OPTED OUT");
        await Expect(page.Locator("#d-message")).ToHaveTextAsync(site.Spoken);
        await Expect(page.Locator("#d-timeline li.opt-out")).ToContainTextAsync("call.opted_out");
        await page.ScreenshotAsync(Screenshot("detail-opted-out-1280.png"));

        // The export carries the same filter.
        await page.GetByRole(AriaRole.Link, new() { Name = "Back to the list" }).ClickAsync();
        var download = await page.RunAndWaitForDownloadAsync(
            () => page.GetByRole(AriaRole.Link, new() { Name = "Export CSV" }).ClickAsync());
        var saved = Path.Combine(SupervisorSite.Artifacts, "export-opted-out.csv");
        await download.SaveAsAsync(saved);
        var rows = ReviewData.ParseCsv(await File.ReadAllTextAsync(saved));
        Assert.StartsWith("calls-", download.SuggestedFilename);
        Assert.Equal(2, rows.Count);
        Assert.Equal(site.OptedOutId, rows[1][0]);

        // Signed out: back to the sign-in form, and the API no longer answers this browser.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByLabel("Supervisor API key")).ToBeVisibleAsync();
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "__Host-voiceproxy-supervisor");
        var after = await page.APIRequest.GetAsync("/v1/calls");
        Assert.Equal(401, after.Status);
    }

    [Theory]
    [InlineData("not-a-key-at-all")]
    [InlineData(VoiceProxyApplication.AcmeKey)]
    public async Task Page_KeyThatIsNotASupervisorKey_RefusedAndNoSession(string key)
    {
        var (context, page) = await OpenAsync();
        await using var _ = context;

        await SignInAsync(page, key);

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not a Supervisor key");
        await Expect(page.Locator("#list-view")).ToBeHiddenAsync();
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "__Host-voiceproxy-supervisor");
    }

    [Fact]
    public async Task Page_PhoneWidth_NoSidewaysScrollAndDetailReadable()
    {
        var (context, page) = await OpenAsync(390, 844);
        await using var _ = context;

        await SignInAsync(page);
        await Expect(Rows(page)).ToHaveCountAsync(3);
        var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth");
        await page.ScreenshotAsync(Screenshot("list-390.png"));
        await page.GotoAsync($"/supervisor#/calls/{site.OptedOutId}");
        await Expect(page.Locator("#opt-out-banner")).ToBeVisibleAsync();
        var detailOverflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth");
        await page.ScreenshotAsync(Screenshot("detail-opted-out-390.png"));

        Assert.True(overflow <= 0, $"The list is {overflow}px wider than the screen.");
        Assert.True(detailOverflow <= 0, $"The detail view is {detailOverflow}px wider than the screen.");
    }

    [Fact]
    public async Task Page_EveryFormControl_HasALabel()
    {
        var (context, page) = await OpenAsync();
        await using var _ = context;
        await SignInAsync(page);
        await Expect(Rows(page)).ToHaveCountAsync(3);

        var unlabelled = await page.EvaluateAsync<string[]>(
            "[...document.querySelectorAll('input:not([type=hidden]), select, button')]" +
            ".filter(e => !e.labels?.length && !e.textContent.trim() && !e.getAttribute('aria-label'))" +
            ".map(e => e.outerHTML)");

        Assert.Empty(unlabelled);
    }

    private static string Local(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The replay form on today's facts: the page's three calls replayed, none differing.</summary>
    [Fact]
    public async Task Page_ReplayOnTodaysFacts_ShowsTheCounts()
    {
        var (context, page) = await OpenAsync();
        await using var _ = context;
        await SignInAsync(page);
        await Expect(page.Locator("#replay-view")).ToBeVisibleAsync();
        var noon = VoiceProxyApplication.MondayMidday;

        await page.Locator("#r-from").FillAsync(Local(noon.AddHours(-1)));
        await page.Locator("#r-to").FillAsync(Local(noon.AddHours(1)));
        await page.Locator("#r-facts").SelectOptionAsync("current");
        await page.GetByRole(AriaRole.Button, new() { Name = "Replay" }).ClickAsync();

        // The site's opt-out is recorded on the call only (no revocation or listing), so today's facts change nothing.
        await Expect(page.Locator("#replay-summary")).ToContainTextAsync("3 calls replayed, 0 would differ");
        await Expect(page.Locator("#replay-differences")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task SignIn_WithoutAntiforgeryToken_Refused()
    {
        using var client = site.Client();

        var response = await client.PostAsync("/supervisor/sign-in",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = VoiceProxyApplication.SupervisorKey }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie"
            && h.Value.Any(v => v.StartsWith("__Host-voiceproxy-supervisor", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SessionCookie_OnlyReadsTheApi_NeverWritesIt()
    {
        var cookies = new CookieContainer();
        using var browserLike = site.Client(cookies: cookies);
        var session = System.Text.Json.Nodes.JsonNode.Parse(await browserLike.GetStringAsync("/supervisor/session"))!;
        var antiforgery = session["antiforgery"]!;
        var form = new Dictionary<string, string>
        {
            ["key"] = VoiceProxyApplication.AdminKey, [(string)antiforgery["field"]!] = (string)antiforgery["token"]!
        };
        var signIn = await browserLike.PostAsync("/supervisor/sign-in", new FormUrlEncodedContent(form));

        var read = await browserLike.GetAsync("/v1/calls");
        var write = await browserLike.PostAsJsonAsync("/v1/dnc", new { phone = "+14155550199", reason = "cross-site attempt" });
        using var delete = new HttpRequestMessage(HttpMethod.Delete, "/v1/dnc/%2B14155550123?seller=acme")
        {
            Content = JsonContent.Create(new { reason = "x" })
        };
        var adminOnly = await browserLike.SendAsync(delete);

        Assert.Equal(HttpStatusCode.NoContent, signIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, adminOnly.StatusCode);
    }

    [Fact]
    public async Task Page_ShowsTheFailingSubscriptionAndItsWaitingDeliveries()
    {
        var (context, page) = await OpenAsync();
        await using var _ = context;

        await SignInAsync(page);

        var subscription = page.Locator("#subscriptions tbody tr");
        await Expect(subscription).ToHaveCountAsync(1);
        await Expect(subscription).ToContainTextAsync(SupervisorSite.DeadWebhookUrl);
        await Expect(subscription).ToContainTextAsync("could not send");
        await Expect(page.Locator("#deliveries tbody")).ToContainTextAsync("call.placed");
        await Expect(page.Locator("#deliveries tbody")).ToContainTextAsync("pending");
        await Expect(page.Locator("#subscriptions-ok")).ToBeHiddenAsync();
        await page.ScreenshotAsync(Screenshot("webhooks-1280.png"));
    }
}
