using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Tests.Bulk;

/// <summary>Scrub and replay of calls to Canadian numbers: each answer is the dry run's, decided under the CRTC's rules
/// (jurisdiction CA), and a replay on the kept facts finds the same verdicts. Monday 2026-11-30 18:00Z is 13:00 in Toronto
/// and 10:00 in Vancouver.</summary>
public sealed class CanadaBulkTests() : ApplicationTests(new Dictionary<string, string?>
{
    ["VoiceProxy:Sellers:0:MailingAddress"] = "100 King St W, Toronto ON M5X 1A9",
})
{
    private const string Toronto = "+14165550101", Listed = "+14165550102", Vancouver = "+16045550103";
    private const string NoConsent = "+15145550104";
    private static readonly string[] Purposes = ["marketing", "transactional"];

    private async Task PrepareAsync()
    {
        App.ImportRegistry(RegistryLists.NationalCanada, App.Today.AddDays(-2), Listed);
        App.ImportRegistry(RegistryLists.National, App.Today.AddDays(-2));
        foreach (var n in new[] { Toronto, Listed, Vancouver })
        {
            await Acme.GrantAsync(n, "marketing");
            await Acme.GrantAsync(n, "transactional");
        }
        await Acme.PostJsonAsync("/v1/dnc", new { phone = Vancouver, reason = "asked on the phone" });
    }

    [Fact]
    public async Task Scrub_CanadianNumbers_SameAsDryRunWithJurisdictionCa()
    {
        await PrepareAsync();
        var rows = new[] { Toronto, Listed, Vancouver, NoConsent, "+14155550123" }
            .SelectMany(n => Purposes.Select(p => new { phone = n, purpose = p })).ToList();
        var body = new StringContent(string.Join('\n', rows.Select(r => JsonSerializer.Serialize(r))) + "\n", Encoding.UTF8,
            "application/x-ndjson");

        var response = await Acme.PostAsync("/v1/compliance/scrub", body);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answers = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(rows.Count, answers.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var request = rows[i].purpose == "marketing"
                ? ApiHelpers.Offer(rows[i].phone) : ApiHelpers.OrderUpdate(rows[i].phone);
            var (_, check) = await Acme.PostJsonAsync("/v1/compliance/check", request);
            Assert.Equal((bool)check["allowed"]!, (bool)answers[i]["allowed"]!);
            Assert.Equal(check["reasons"]!.AsArray().Select(r => (string)r!["code"]!).Distinct(),
                answers[i]["reasons"]!.AsArray().Select(r => (string)r!));
            Assert.Equal((string?)check["jurisdiction"], (string?)answers[i]["jurisdiction"]);
            Assert.Equal(rows[i].phone == "+14155550123" ? "US" : "CA", (string?)answers[i]["jurisdiction"]);
        }
        string[] Codes(int row) => [.. answers[row]["reasons"]!.AsArray().Select(r => (string)r!)];
        Assert.True((bool)answers[0]["allowed"]!); // Toronto, marketing with express consent
        Assert.True((bool)answers[2]["allowed"]!); // listed on the DNCL, but express consent exempts it
        Assert.Equal(["dnc_internal"], Codes(4));
        Assert.Equal(["consent_missing"], Codes(6));
    }

    [Fact]
    public async Task Replay_CanadianCalls_KeptFactsGiveTheSameVerdicts()
    {
        await PrepareAsync();
        foreach (var n in new[] { Toronto, Listed, Vancouver, NoConsent })
            await Acme.PostJsonAsync("/v1/calls", ApiHelpers.Offer(n));
        var supervisor = App.ClientWithKey(VoiceProxyApplication.SupervisorKey);

        var (status, replay) = await supervisor.PostJsonAsync("/v1/compliance/replay", new
        {
            from = VoiceProxyApplication.MondayMidday.AddHours(-1), to = VoiceProxyApplication.MondayMidday.AddHours(1),
            rules = "current", facts = "recorded",
        });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(4, (int)replay["calls"]!);
        Assert.Equal(0, (int)replay["changed"]!);
        Assert.Equal(0, (int)replay["factsNotKept"]!);
    }
}
