using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Tests.DoNotCall;

/// <summary>Canada's National DNCL as its own list: <c>registry import --list national:CA</c> of the download's layout
/// (area code and number on each line), then the running service's decisions on Canadian numbers, its 31-day freshness,
/// the express-consent exemption, a change list picked up without a restart, and <c>GET /v1/registry</c>. The sellers have
/// mailing addresses, which calls to Canada need. Monday 2026-11-30 18:00Z is 13:00 in Toronto.</summary>
public sealed class CanadaRegistryTests : IDisposable
{
    private const string Listed = "+14165550123";
    private const string Unlisted = "+14165550188";
    private readonly VoiceProxyApplication _app = new(new()
    {
        ["VoiceProxy:Sellers:0:MailingAddress"] = "100 King St W, Toronto ON M5X 1A9",
        ["VoiceProxy:Sellers:1:MailingAddress"] = "1 Place Ville Marie, Montreal QC H3B 2B6",
    });
    private readonly RegistryFiles _files = new();

    public void Dispose()
    {
        _app.Dispose();
        _files.Dispose();
    }

    private async Task<int?> ImportAsync(DateOnly asOf, string mode, string file) =>
        await Cli.TryRunAsync(["registry", "import", "--list", RegistryLists.NationalCanada, mode, file,
            "--as-of", asOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            $"--VoiceProxy:Registry:Path={_app.RegistryFolder}"]);

    /// <summary>The DNCL download's layout: area code, a comma, the seven-digit number.</summary>
    private string DnclFile(params long[] extra) =>
        _files.WriteLines($"{Guid.NewGuid():N}.txt", RegistryFiles.Numbers(1000, seed: 5, 416, 514, 604).Concat(extra)
            .Select(n => $"{n / 10_000_000},{n % 10_000_000:0000000}"));

    private static JsonNode CheckOf(JsonNode decision, string rule) =>
        decision["checks"]!.AsArray().Single(c => (string?)c!["rule"] == rule)!;

    [Fact]
    public async Task Import_NationalCa_RegistryEndpointNamesIt()
    {
        var asOf = _app.Today.AddDays(-3);
        Assert.Equal(0, await ImportAsync(asOf, "--full", DnclFile(4165550123)));
        var supervisor = _app.ClientWithKey(VoiceProxyApplication.SupervisorKey);

        var (status, lists) = await supervisor.GetJsonAsync("/v1/registry");

        Assert.Equal(HttpStatusCode.OK, status);
        var dncl = lists.AsArray().Single()!;
        Assert.Equal("national:CA", (string?)dncl["name"]);
        Assert.Equal(asOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), (string?)dncl["asOf"]);
        Assert.Equal(1001, (long?)dncl["count"]);
        Assert.False((bool?)dncl["stale"]);
        Assert.True(File.Exists(Path.Combine(_app.RegistryFolder, "national-CA.snapshot")));

        // A Canadian number's national list is the DNCL; a US number's stays the US registry (not loaded here).
        var (_, canadian) = await supervisor.GetJsonAsync($"/v1/dnc/{ApiHelpers.Path(Listed)}?seller=acme");
        Assert.Equal("national:CA", (string?)canadian["national"]!["list"]);
        Assert.True((bool?)canadian["national"]!["listed"]);
        Assert.Empty(canadian["states"]!.AsArray());
        var (_, us) = await supervisor.GetJsonAsync($"/v1/dnc/{ApiHelpers.Path("+14155550123")}?seller=acme");
        Assert.Equal("national", (string?)us["national"]!["list"]);
        Assert.Null(us["national"]!["asOf"]);
    }

    [Fact]
    public async Task Marketing_ListedOnDncl_ExpressConsentExemptsUnlessTheSellerRefuses()
    {
        Assert.Equal(0, await ImportAsync(_app.Today.AddDays(-1), "--full", DnclFile(4165550123)));
        var acme = _app.Acme();
        var globex = _app.ClientWithKey(VoiceProxyApplication.GlobexKey);

        // Acme accepts consent as an exemption: oral express consent is enough in Canada.
        await acme.GrantAsync(Listed, "marketing", "express");
        var (placed, call) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.Offer(Listed));
        Assert.Equal(HttpStatusCode.Created, placed);
        Assert.Equal("CA", (string?)call["decision"]!["jurisdiction"]);
        Assert.Equal("exempt", (string?)CheckOf(call["decision"]!, "dnc_national")["outcome"]);
        Assert.Contains("Part II", (string?)CheckOf(call["decision"]!, "dnc_national")["citation"]);
        Assert.Equal("national:CA", (string?)call["decision"]!["lists"]![0]!["list"]);

        // Globex does not: the DNCL alone blocks.
        await globex.GrantAsync(Listed, "marketing", "express");
        var (blocked, problem) = await globex.PostJsonAsync("/v1/calls", ApiHelpers.Offer(Listed));
        Assert.Equal((HttpStatusCode)422, blocked);
        Assert.Equal(["dnc_national"], problem.ReasonCodes());

        // Not listed: the same seller's call goes.
        await globex.GrantAsync(Unlisted, "marketing", "express");
        var (unlisted, _) = await globex.PostJsonAsync("/v1/calls", ApiHelpers.Offer(Unlisted));
        Assert.Equal(HttpStatusCode.Created, unlisted);
    }

    [Fact]
    public async Task Marketing_OnlyTheUsList_DnclNotLoadedBlocks()
    {
        Assert.Equal(0, await Cli.TryRunAsync(["registry", "import", "--list", RegistryLists.National, "--full",
            _files.Write("us.txt", RegistryFiles.Numbers(100, seed: 2, 212)),
            "--as-of", _app.Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            $"--VoiceProxy:Registry:Path={_app.RegistryFolder}"]));
        var acme = _app.Acme();
        await acme.GrantAsync(Unlisted, "marketing", "express");

        var (status, problem) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.Offer(Unlisted));

        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal(["registry_stale"], problem.ReasonCodes());
        Assert.Contains("national:CA: no copy loaded", problem["reasons"]![0]!["message"]!.ToString());
    }

    [Theory]
    [InlineData(31, false)]
    [InlineData(32, true)]
    public async Task Marketing_DnclCopyAge_StaleAfter31Days(int days, bool stale)
    {
        Assert.Equal(0, await ImportAsync(_app.Today.AddDays(-days), "--full", DnclFile()));
        var acme = _app.Acme();
        await acme.GrantAsync(Unlisted, "marketing", "express");

        var (status, body) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.Offer(Unlisted));

        if (stale)
        {
            Assert.Equal((HttpStatusCode)422, status);
            Assert.Equal(["registry_stale"], body.ReasonCodes());
        }
        else
        {
            Assert.Equal(HttpStatusCode.Created, status);
        }
    }

    [Fact]
    public async Task ChangeList_WhileServiceRuns_DnclListingServedWithoutRestart()
    {
        Assert.Equal(0, await ImportAsync(_app.Today.AddDays(-10), "--full", DnclFile()));
        var globex = _app.ClientWithKey(VoiceProxyApplication.GlobexKey);
        await globex.GrantAsync(Listed, "marketing", "express");
        var check = new
        {
            to = Listed, purpose = "marketing", template = "marketing", language = "en-US",
            variables = new Dictionary<string, string> { ["offer"] = "twenty percent off tents" },
        };
        var (_, before) = await globex.PostJsonAsync("/v1/compliance/check", check);
        Assert.True((bool?)before["allowed"]);

        Assert.Equal(0, await ImportAsync(_app.Today.AddDays(-1), "--add", _files.WriteLines("add.txt", ["416,5550123"])));

        JsonNode? after = null;
        Assert.True(SpinWait.SpinUntil(() =>
        {
            after = globex.PostJsonAsync("/v1/compliance/check", check).GetAwaiter().GetResult().Body;
            return (bool?)after["allowed"] == false;
        }, TimeSpan.FromSeconds(10)), "the running service did not pick up the new DNCL snapshot");
        Assert.Equal(["dnc_national"], after!.ReasonCodes());
    }

    [Fact]
    public async Task Transactional_ListedOnDncl_NotConsulted()
    {
        Assert.Equal(0, await ImportAsync(_app.Today.AddDays(-1), "--full", DnclFile(4165550123)));
        var acme = _app.Acme();
        await acme.GrantAsync(Listed, "transactional");

        var (status, call) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Listed));

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("not_applicable", (string?)CheckOf(call["decision"]!, "dnc_national")["outcome"]);
    }
}
