using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Tests.DoNotCall;

/// <summary>The operator's path end to end: <c>registry import</c> on the command line, then the running service's decisions
/// and <c>GET /v1/registry</c>, including a snapshot imported while the service runs.</summary>
public sealed class RegistryCliTests : IDisposable
{
    private const string Listed = "+14155550123";
    private readonly VoiceProxyApplication _app = new();
    private readonly RegistryFiles _files = new();

    public void Dispose()
    {
        _app.Dispose();
        _files.Dispose();
    }

    private async Task<int?> CliImportAsync(DateOnly asOf, string mode, params string[] files) =>
        await Cli.TryRunAsync(["registry", "import", "--list", RegistryLists.National, mode, .. files,
            "--as-of", asOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            $"--VoiceProxy:Registry:Path={_app.RegistryFolder}"]);

    [Fact]
    public async Task CliImport_AsOfInTheFuture_RefusedAndNothingWritten()
    {
        var exit = await CliImportAsync(DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2), "--full", NationalFile());

        Assert.NotEqual(0, exit);
        Assert.False(Directory.Exists(_app.RegistryFolder) && Directory.EnumerateFiles(_app.RegistryFolder, "*.snapshot").Any());
    }

    private string NationalFile(params long[] extra) =>
        _files.Write($"{Guid.NewGuid():N}.txt", RegistryFiles.Numbers(2000, seed: 3, 212, 718).Concat(extra));

    private static async Task<JsonNode> DecisionOfAsync(HttpClient client, JsonNode callOrProblem)
    {
        var id = (string?)callOrProblem["callId"] ?? (string?)callOrProblem["id"];
        var (status, call) = await client.GetJsonAsync($"/v1/calls/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        return call["decision"]!;
    }

    [Fact]
    public async Task CliImport_ThenService_MarketingBlockedWithAsOf_WrittenConsentExempt_TransactionalAllowed()
    {
        var asOf = _app.Today.AddDays(-5);
        Assert.Equal(0, await CliImportAsync(asOf, "--full", NationalFile(4155550123)));
        var acme = _app.Acme();
        var globex = _app.ClientWithKey(VoiceProxyApplication.GlobexKey);

        // Globex refuses the written-consent exemption: its marketing call is blocked by the national list alone.
        await globex.GrantAsync(Listed, "marketing", "express_written");
        var (blocked, problem) = await globex.PostJsonAsync("/v1/calls", ApiHelpers.Offer(Listed));
        Assert.Equal((HttpStatusCode)422, blocked);
        Assert.Equal(["dnc_national"], problem.ReasonCodes());
        var decision = await DecisionOfAsync(globex, problem);
        Assert.Equal(asOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), (string?)decision["lists"]![0]!["asOf"]);
        Assert.Equal("block",
            (string?)decision["checks"]!.AsArray().Single(c => (string?)c!["rule"] == "dnc_national")!["outcome"]);

        // Acme accepts it: with written consent the same list is exempt.
        await acme.GrantAsync(Listed, "marketing", "express_written");
        var (placed, call) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.Offer(Listed));
        Assert.Equal(HttpStatusCode.Created, placed);
        Assert.Equal("exempt",
            (string?)call["decision"]!["checks"]!.AsArray().Single(c => (string?)c!["rule"] == "dnc_national")!["outcome"]);
        Assert.Equal(asOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), (string?)call["decision"]!["lists"]![0]!["asOf"]);

        // The national list does not apply to a transactional call.
        await globex.GrantAsync(Listed, "transactional");
        var (transactional, _) = await globex.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Listed, from: "+12125550100"));
        Assert.Equal(HttpStatusCode.Created, transactional);
    }

    [Theory]
    [InlineData(31, false)]
    [InlineData(32, true)]
    public async Task CliImport_AgeInDays_RegistryEndpointAndMarketingDecision(int days, bool stale)
    {
        var asOf = _app.Today.AddDays(-days);
        Assert.Equal(0, await CliImportAsync(asOf, "--full", NationalFile()));
        var supervisor = _app.ClientWithKey(VoiceProxyApplication.SupervisorKey);

        var (status, lists) = await supervisor.GetJsonAsync("/v1/registry");

        Assert.Equal(HttpStatusCode.OK, status);
        var national = lists.AsArray().Single()!;
        Assert.Equal(RegistryLists.National, (string?)national["name"]);
        Assert.Equal(asOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), (string?)national["asOf"]);
        Assert.Equal(2000, (long?)national["count"]);
        Assert.Equal(days, (int?)national["ageDays"]);
        Assert.Equal(stale, (bool?)national["stale"]);

        const string unlisted = "+14155550188";
        var acme = _app.Acme();
        await acme.GrantAsync(unlisted, "marketing", "express_written");
        var (placed, body) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.Offer(unlisted));
        if (stale)
        {
            Assert.Equal((HttpStatusCode)422, placed);
            Assert.Equal(["registry_stale"], body.ReasonCodes());
        }
        else
        {
            Assert.Equal(HttpStatusCode.Created, placed);
        }
    }

    [Fact]
    public async Task CliChangeList_WhileServiceRuns_NewSnapshotServedWithoutRestart()
    {
        Assert.Equal(0, await CliImportAsync(_app.Today.AddDays(-10), "--full", NationalFile()));
        var supervisor = _app.ClientWithKey(VoiceProxyApplication.SupervisorKey);
        var (_, before) = await supervisor.GetJsonAsync($"/v1/dnc/{ApiHelpers.Path(Listed)}?seller=acme");
        Assert.False((bool?)before["national"]!["listed"]);

        Assert.Equal(0, await CliImportAsync(_app.Today.AddDays(-1), "--add", _files.Write("add.txt", [4155550123])));

        JsonNode? national = null;
        Assert.True(SpinWait.SpinUntil(() =>
        {
            national = supervisor.GetJsonAsync($"/v1/dnc/{ApiHelpers.Path(Listed)}?seller=acme").GetAwaiter().GetResult()
                .Body["national"];
            return (bool?)national!["listed"] == true;
        }, TimeSpan.FromSeconds(10)), "the running service did not pick up the new snapshot");
        Assert.Equal(_app.Today.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), (string?)national!["asOf"]);
    }

    [Fact]
    public async Task CliImport_TooManyBadLines_NonZeroExitAndPreviousSnapshotKept()
    {
        Assert.Equal(0, await CliImportAsync(_app.Today.AddDays(-2), "--full", NationalFile()));
        var snapshot = Path.Combine(_app.RegistryFolder, RegistryLists.FileName(RegistryLists.National));
        var before = await File.ReadAllBytesAsync(snapshot);
        var bad = _files.WriteLines("bad.txt",
            Enumerable.Range(0, 50)
            .Select(i => i % 10 == 0 ? "555-0123" : (2125550000 + i)
            .ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.NotEqual(0, await CliImportAsync(_app.Today, "--full", bad));

        Assert.Equal(before, await File.ReadAllBytesAsync(snapshot));
    }

    [Fact]
    public async Task CliImportCommand_NotATerminal_PlainSummaryLine()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await RegistryImportCommand.RunAsync(["--list", "state:TX", "--full",
            _files.Write("tx.txt", [5125550100, 5125550101]),
            "--as-of", "2026-11-01", $"--VoiceProxy:Registry:Path={_app.RegistryFolder}"], output, error);

        Assert.Equal(0, code);
        Assert.StartsWith("Imported state:TX as of 2026-11-01, 2 numbers", output.ToString());
        Assert.Contains("2 lines read, 0 bad", output.ToString());
        Assert.DoesNotContain("\u001b[", error.ToString());
    }

    [Theory]
    [InlineData("--list", "federal", "--full", "x.txt", "--as-of", "2026-11-01")]
    [InlineData("--list", "national", "--as-of", "2026-11-01", "x.txt")]
    [InlineData("--list", "national", "--full", "x.txt", "--as-of", "11/01/2026")]
    [InlineData("--list", "national", "--full", "--add", "x.txt", "--as-of", "2026-11-01")]
    public async Task CliImportCommand_BadArguments_OneLineErrorAndExitCode2(params string[] args)
    {
        var error = new StringWriter();
        var code = await RegistryImportCommand.RunAsync(args, TextWriter.Null, error);

        Assert.Equal(2, code);
        Assert.StartsWith("error: ", error.ToString());
        Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
