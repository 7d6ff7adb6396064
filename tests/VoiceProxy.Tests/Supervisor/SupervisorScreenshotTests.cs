using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace VoiceProxy.Tests.Supervisor;

/// <summary>The supervisor page at 1,400 px in Debian's Chromium, measured and photographed: short values sit on one
/// line, a reason given by two checks shows once, and the timeline reads as sentences. The PNGs go to the test output
/// folder (bin/…/artifacts/supervisor), never to the repository.</summary>
public sealed class SupervisorScreenshotTests(SupervisorSite site, ITestOutputHelper output) : IClassFixture<SupervisorSite>
{
    private const int Width = 1400;

    /// <summary>The twice-blocked call's reasons, each once, in the order its checks gave them (dnc_internal by two).</summary>
    private static readonly string[] Codes =
        ["consent_insufficient", "dnc_internal", "dnc_national", "dnc_state", "outside_calling_hours", "frequency_cap"];

    /// <summary>How many line boxes the text of each matched element takes (one per distinct top of its text's rectangles),
    /// and whether its content is wider than its box.</summary>
    private const string MeasureLines = """
        (elements) => elements.map(e => {
          const range = document.createRange();
          range.selectNodeContents(e);
          const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
          return `${tops.size}|${e.scrollWidth > e.clientWidth}|${e.textContent.trim()}`;
        })
        """;

    private static async Task<IPage> SignedInAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("/supervisor");
        await page.GetByLabel("Supervisor API key").FillAsync(VoiceProxyApplication.SupervisorKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        return page;
    }

    private static ILocator OpenButton(IPage page, string callId) =>
        page.Locator($"#calls tbody tr[data-id='{callId}']").GetByRole(AriaRole.Link, new() { Name = "Open" });

    private Task<IBrowserContext> ContextAsync() =>
        site.Browser.NewContextAsync(new() { ViewportSize = new() { Width = Width, Height = 900 }, BaseURL = site.BaseUrl });

    private async Task ShotAsync(IPage page, string name)
    {
        var path = Path.Combine(SupervisorSite.Artifacts, name);
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
    }

    [Fact]
    public async Task List_At1400px_PhonePurposeTimeAndOpenButtonEachOnOneLine_ReasonsOnce()
    {
        var (_, twiceId) = await site.SeedMoreAsync();
        await using var context = await ContextAsync();
        var page = await SignedInAsync(context);
        var rows = page.Locator("#calls tbody tr");
        await Expect(rows).ToHaveCountAsync(5);
        await ShotAsync(page, "list-1400.png");

        // Requested, To, Purpose, Answered by, and the Open button: one line each, nothing clipped.
        var cells = page.Locator("#calls tbody td:nth-child(1), #calls tbody td:nth-child(3), #calls tbody td:nth-child(4), " +
            "#calls tbody td:nth-child(7), #calls tbody td:nth-child(8) a");
        await Expect(cells).ToHaveCountAsync(25);
        var measured = await cells.EvaluateAllAsync<string[]>(MeasureLines);
        var wrapped = measured.Where(m => !m.StartsWith("1|false|", StringComparison.Ordinal)).ToList();
        var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth");
        var twiceRow = page.Locator($"#calls tbody tr[data-id='{twiceId}']");
        var reasons = await twiceRow.Locator(".small-reasons").InnerTextAsync();

        Assert.True(wrapped.Count == 0, "Wrapped or clipped (lines|clipped|text): " + string.Join("; ", wrapped));
        Assert.True(overflow <= 0, $"The list is {overflow}px wider than the window.");
        Assert.Equal(string.Join(", ", Codes), reasons);
    }

    [Fact]
    public async Task Detail_At1400px_ReasonGivenByTwoChecksShowsOnce_ChecksAllKept()
    {
        var (_, twiceId) = await site.SeedMoreAsync();
        await using var context = await ContextAsync();
        var page = await SignedInAsync(context);
        await Expect(page.Locator("#calls tbody tr")).ToHaveCountAsync(5);
        await OpenButton(page, twiceId).ClickAsync();
        await Expect(page.Locator("#d-verdict")).ToContainTextAsync("BLOCKED");
        await ShotAsync(page, "detail-blocked-twice-1400.png");

        var codes = await page.Locator("#d-reasons li strong").AllInnerTextsAsync();
        var dncChecks = page.Locator("#d-checks tbody tr").Filter(new() { HasText = "dnc_internal" });
        var timeline = await page.Locator("#d-timeline li").AllInnerTextsAsync();

        Assert.Equal(Codes, codes);
        await Expect(page.Locator("#d-reasons li").Nth(1)).ToContainTextAsync("do-not-call list since");
        await Expect(dncChecks).ToHaveCountAsync(2);
        Assert.Contains(timeline, t => t.Contains("Decided: blocked — " + string.Join(", ", Codes), StringComparison.Ordinal));
        const string fallback = "by: supervisor, note: checked, flags.escalated: false";
        Assert.Contains(timeline, t => t.Contains(fallback, StringComparison.Ordinal));
        Assert.DoesNotContain(timeline, t => t.Contains('{'));
    }

    [Fact]
    public async Task Detail_At1400px_TimelineReadsAsSentences_NotJson()
    {
        var (answeredId, _) = await site.SeedMoreAsync();
        await using var context = await ContextAsync();
        var page = await SignedInAsync(context);
        await Expect(page.Locator("#calls tbody tr")).ToHaveCountAsync(5);
        await OpenButton(page, answeredId).ClickAsync();
        await Expect(page.Locator("#opt-out-banner")).ToBeVisibleAsync();
        await ShotAsync(page, "detail-answered-1400.png");

        var lines = await page.Locator("#d-timeline li .sentence").AllInnerTextsAsync();
        var jsonLike = await page.Locator("#d-timeline").EvaluateAsync<string[]>(
            "t => [...t.querySelectorAll('*')].map(e => e.textContent.trim())" +
            ".filter(s => s.startsWith('{') || s.startsWith('['))");
        var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth");
        output.WriteLine(string.Join("\n", lines));

        Assert.Empty(jsonLike);
        Assert.Equal(await page.Locator("#d-timeline li").CountAsync(), lines.Count);
        string[] expected =
        [
            "Requested by acme-app: template order-update (en-US)",
            "Decided: allowed",
            "Twilio accepted the call: CA",
            "Twilio status: initiated (sequence 0)",
            "Twilio status: ringing (sequence 1)",
            "Answered by a human",
            "Message spoken: ",
            "Twilio status: in-progress (sequence 2)",
            "Customer pressed 9",
            "Customer opted out by keypress",
            "Twilio status: completed (sequence 3), 41 s",
        ];
        foreach (var sentence in expected)
            Assert.True(lines.Any(l => l.StartsWith(sentence, StringComparison.Ordinal)), $"No line starts “{sentence}”");
        Assert.True(overflow <= 0, $"The detail view is {overflow}px wider than the window.");
        await Expect(page.Locator("#d-timeline li.opt-out")).ToContainTextAsync("Customer opted out by keypress");
    }
}
