using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using VoiceProxy.Audit;
using VoiceProxy.Data;

namespace VoiceProxy.Tests.Audit;

/// <summary>The chain is sealed with a key that is not in the database, and signed checkpoints of its head catch a chain cut
/// short together with its seal records.</summary>
public sealed class KeyedAuditTests : ApplicationTests
{
    private static readonly AuditKey ServiceKey = new(Convert.FromBase64String(VoiceProxyApplication.AuditKey));
    private static readonly AuditKey OtherKey = new(Convert.FromBase64String(VoiceProxyApplication.OtherAuditKey));

    private readonly HttpClient _supervisor;

    public KeyedAuditTests() => _supervisor = App.ClientWithKey(VoiceProxyApplication.SupervisorKey);

    private string DatabaseFile => Path.Combine(App.Folder, "voiceproxy.db");

    /// <summary>Six consent events at chain positions 1 to 6, each sealed before the next is written.</summary>
    private async Task WriteSixSealedEventsAsync()
    {
        for (var i = 0; i < 6; i++)
        {
            await Acme.GrantAsync($"+1415555010{i}", "transactional");
            App.Time.Advance(TimeSpan.FromMinutes(1));
            await _supervisor.VerifySealedAsync();
        }
    }

    private async Task<JsonNode> VerifyAsync(HttpClient? client = null)
    {
        var (status, body) = await (client ?? _supervisor).VerifySealedAsync();
        Assert.Equal(HttpStatusCode.OK, status);
        return body;
    }

    private async Task<JsonNode> CheckpointAsync()
    {
        var (status, body) = await _supervisor.GetJsonAsync("/v1/audit/checkpoint");
        Assert.Equal(HttpStatusCode.OK, status);
        return body;
    }

    private static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static string MarketingInstead(string payload) =>
        payload.Replace("transactional", "marketing", StringComparison.Ordinal);

    [Fact]
    public async Task Verify_EventEditedAndWholeChainRehashedWithPlainSha256_FailsAtThatEvent()
    {
        await WriteSixSealedEventsAsync();
        AuditTampering.Sqlite(DatabaseFile, App.Query(db => AuditTampering.EditAndRehash(db, 3, MarketingInstead, Sha256)));

        var result = await VerifyAsync();

        Assert.False((bool)result["ok"]!, result.ToJsonString());
        Assert.Equal(3, (long)result["firstBad"]!["id"]!);
        Assert.Contains("changed", (string?)result["firstBad"]!["problem"]);
        Assert.Equal(2, (long)result["events"]!);
    }

    [Fact]
    public async Task Verify_EventEditedAndWholeChainRehashedWithAnotherKey_FailsAtThatEvent()
    {
        await WriteSixSealedEventsAsync();
        AuditTampering.Sqlite(DatabaseFile, App.Query(db => AuditTampering.EditAndRehash(db, 3, MarketingInstead, OtherKey.Mac)));

        var result = await VerifyAsync();

        Assert.False((bool)result["ok"]!, result.ToJsonString());
        Assert.Equal(3, (long)result["firstBad"]!["id"]!);
        Assert.Contains("changed", (string?)result["firstBad"]!["problem"]);
    }

    [Fact]
    public async Task Verify_SealsRelabelledWithAnotherKeysId_SaysSealedWithAnotherKey()
    {
        await WriteSixSealedEventsAsync();
        AuditTampering.Sqlite(DatabaseFile, App.Query(db => AuditTampering.EditAndRehash(db, 1, p => p, OtherKey.Mac))
            .Append($"UPDATE audit_seals SET \"KeyId\" = '{OtherKey.Id}'").ToArray());

        var result = await VerifyAsync();

        Assert.False((bool)result["ok"]!);
        Assert.Equal(1, (long)result["firstBad"]!["id"]!);
        Assert.Contains("another key", (string?)result["firstBad"]!["problem"]);
    }

    [Fact]
    public async Task Verify_ChainCutShortWithItsSeals_OkAloneButBrokenAgainstAnEarlierCheckpoint()
    {
        await WriteSixSealedEventsAsync();
        var checkpoint = await CheckpointAsync();
        AuditTampering.Sqlite(DatabaseFile, AuditTampering.TruncateTo(4));

        var alone = await VerifyAsync();
        var response = await _supervisor.PostAsJsonAsync("/v1/audit/verify", checkpoint);
        var against = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        // Without a checkpoint, a chain cut together with its seal records is indistinguishable from a shorter history.
        Assert.True((bool)alone["ok"]!, alone.ToJsonString());
        Assert.Equal(4, (long)alone["events"]!);
        Assert.Equal(6, (long)checkpoint["position"]!);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False((bool)against["ok"]!, against.ToJsonString());
        Assert.Equal(4, (long)against["events"]!);
        Assert.Contains("removed after it was taken", (string?)against["firstBad"]!["problem"]);
    }

    [Fact]
    public async Task Verify_ChainRewrittenBeforeTheCheckpointsPosition_BrokenAgainstIt()
    {
        await WriteSixSealedEventsAsync();
        var checkpoint = await CheckpointAsync();
        // The newest event rewritten and its seal with it: the seal agrees, only the checkpoint remembers the old head.
        AuditTampering.Sqlite(DatabaseFile, App.Query(db => AuditTampering.EditAndRehash(db, 6, MarketingInstead, Sha256)));

        var response = await _supervisor.PostAsJsonAsync("/v1/audit/verify", checkpoint);
        var against = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.False((bool)against["ok"]!, against.ToJsonString());
        Assert.Equal(6, (long)against["firstBad"]!["id"]!);
    }

    [Fact]
    public async Task Verify_CheckpointAlteredOrSignedWithAnotherKey_Is400()
    {
        await WriteSixSealedEventsAsync();
        var genuine = await CheckpointAsync();
        var moved = genuine.DeepClone();
        moved["position"] = 5;
        var forged = AuditCheckpoint.Sign(6, (string)genuine["hash"]!, (DateTimeOffset)genuine["sealedAt"]!, OtherKey);

        var ok = await _supervisor.PostAsJsonAsync("/v1/audit/verify", genuine);
        var altered = await _supervisor.PostAsJsonAsync("/v1/audit/verify", moved);
        var otherKey = await _supervisor.PostAsJsonAsync("/v1/audit/verify", forged);
        var notJson = await _supervisor.PostAsync("/v1/audit/verify", new StringContent("{ nope"));

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.True((bool)JsonNode.Parse(await ok.Content.ReadAsStringAsync())!["ok"]!);
        foreach (var refused in new[] { altered, otherKey, notJson })
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }
        Assert.Contains("signature", await altered.Content.ReadAsStringAsync());
        Assert.Contains(OtherKey.Id, await otherKey.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AuditCli_WithTheKeyAndACheckpointFile_IntactThenTruncated()
    {
        await WriteSixSealedEventsAsync();
        var file = Path.Combine(App.Folder, "checkpoint.json");
        await File.WriteAllTextAsync(file, (await CheckpointAsync()).ToJsonString());
        string[] args = ["verify", "--checkpoint", file, $"--ConnectionStrings:VoiceProxy=Data Source={DatabaseFile}",
            $"--VoiceProxy:Audit:Key={VoiceProxyApplication.AuditKey}"];

        var intact = await AuditCli.RunAsync(args);
        var withoutKey = await AuditCli.RunAsync(args[..^1]);
        var withOtherKey =
            await AuditCli.RunAsync([.. args[..^1], $"--VoiceProxy:Audit:Key={VoiceProxyApplication.OtherAuditKey}"]);
        AuditTampering.Sqlite(DatabaseFile, AuditTampering.TruncateTo(4));
        var truncated = await AuditCli.RunAsync(args);
        var truncatedNoCheckpoint = await AuditCli.RunAsync(["verify", .. args[3..]]);

        Assert.Equal(0, intact);
        Assert.Equal(2, withoutKey); // no key, no verdict
        Assert.Equal(2, withOtherKey); // the checkpoint was not signed by that key
        Assert.Equal(1, truncated);
        Assert.Equal(0, truncatedNoCheckpoint);
    }

    [Fact]
    public async Task CheckpointDirectory_SignedCheckpointOfTheHeadWrittenThere()
    {
        var folder = Path.Combine(App.Folder, "checkpoints");
        using var app = new VoiceProxyApplication(new()
        {
            ["VoiceProxy:Audit:CheckpointDirectory"] = folder, ["VoiceProxy:Audit:CheckpointIntervalSeconds"] = "1",
        });
        var acme = app.Acme();
        var supervisor = app.ClientWithKey(VoiceProxyApplication.SupervisorKey);
        await acme.GrantAsync("+14155550100", "transactional");
        await acme.GrantAsync("+14155550101", "transactional");
        var head = await VerifyAsync(supervisor);

        var file = Path.Combine(folder, $"checkpoint-{(long)head["events"]!:D12}.json");
        for (var deadline = DateTime.UtcNow.AddSeconds(15); !File.Exists(file) && DateTime.UtcNow < deadline;)
            await Task.Delay(50);
        var written = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
        var response = await supervisor.PostAsync("/v1/audit/verify",
            new StringContent(written.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal((string?)head["head"], (string?)written["hash"]);
        Assert.Equal(ServiceKey.Id, (string?)written["keyId"]);
        Assert.Equal(AuditCheckpoint.Version, (string?)written["format"]);
        Assert.True((bool)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["ok"]!);
    }

    [Fact]
    public async Task Restart_SameKeyVerifies_OtherKeySaysAnotherKey_RetiredKeyVerifiesAcrossTheRotation()
    {
        await WriteSixSealedEventsAsync();
        var sameFile = $"Data Source={DatabaseFile}";

        using var same = new VoiceProxyApplication(new() { ["ConnectionStrings:VoiceProxy"] = sameFile });
        var restarted = await VerifyAsync(same.ClientWithKey(VoiceProxyApplication.SupervisorKey));
        using var other = new VoiceProxyApplication(new()
        {
            ["ConnectionStrings:VoiceProxy"] = sameFile, ["VoiceProxy:Audit:Key"] = VoiceProxyApplication.OtherAuditKey,
        });
        var withOtherKey = await VerifyAsync(other.ClientWithKey(VoiceProxyApplication.SupervisorKey));
        using var rotated = new VoiceProxyApplication(new()
        {
            ["ConnectionStrings:VoiceProxy"] = sameFile, ["VoiceProxy:Audit:Key"] = VoiceProxyApplication.OtherAuditKey,
            ["VoiceProxy:Audit:RetiredKeys:0"] = VoiceProxyApplication.AuditKey,
        });
        await rotated.Acme().GrantAsync("+14155550199", "transactional");
        var afterRotation = await VerifyAsync(rotated.ClientWithKey(VoiceProxyApplication.SupervisorKey));

        Assert.True((bool)restarted["ok"]!, restarted.ToJsonString());
        Assert.Equal(6, (long)restarted["events"]!);
        Assert.False((bool)withOtherKey["ok"]!);
        Assert.Equal(0, (long)withOtherKey["events"]!);
        Assert.Contains($"another key (id '{ServiceKey.Id}')", (string?)withOtherKey["firstBad"]!["problem"]);
        Assert.True((bool)afterRotation["ok"]!, afterRotation.ToJsonString());
        Assert.Equal(7, (long)afterRotation["events"]!);
    }

    [Fact]
    public async Task Database_RawUpdateOrDeleteOfSealedAuditRecords_Refused()
    {
        await WriteSixSealedEventsAsync();
        using var connection = new SqliteConnection($"Data Source={DatabaseFile};Pooling=False");
        connection.Open();
        string[] refused =
        [
            "UPDATE audit_events SET \"PayloadJson\" = '{}' WHERE \"Id\" = 2",
            "UPDATE audit_events SET \"Hash\" = 'x' WHERE \"Id\" = 2",
            "DELETE FROM audit_events WHERE \"Id\" = 6",
            "UPDATE audit_seals SET \"HeadHash\" = 'x'",
            "DELETE FROM audit_seals",
        ];

        foreach (var sql in refused)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            var e = Assert.Throws<SqliteException>(() => command.ExecuteNonQuery());
            Assert.Contains("append-only", e.Message);
        }
        Assert.True((bool)(await VerifyAsync())["ok"]!);
    }

    [Fact]
    public async Task Verify_ChainLongerThanOneRead_SealsAcrossReadBoundaries_OkThenEditFoundInTheSecondRead()
    {
        // Sealed only when this test asks: 1500 events, then 1000 more, so the second seal straddles the first read's end.
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:Audit:SealIntervalMilliseconds"] = "3600000" });
        var supervisor = app.ClientWithKey(VoiceProxyApplication.SupervisorKey);
        await supervisor.GetAsync("/health/ready");
        var writer = app.Services.GetRequiredService<StoreWriter>();
        var journal = app.Services.GetRequiredService<Journal>();
        var sealer = app.Services.GetRequiredService<AuditSealer>();
        foreach (var (from, count) in new[] { (0, 1500), (1500, 1000) })
        {
            await writer.WriteAsync(w =>
            {
                for (var i = from; i < from + count; i++) journal.Audit(w, "test.bulk", "test", "acme", $"n-{i}", new { i });
            });
            while (await sealer.SealOnceAsync() > 0) { }
        }
        var intact = await VerifyAsync(supervisor);
        var target = app.Query(db => db.AuditEvents.Single(e => e.Position == AuditChain.ChunkSize + 100).Id);
        AuditTampering.Sqlite(Path.Combine(app.Folder, "voiceproxy.db"),
            app.Query(db => AuditTampering.EditAndRehash(db, target, p => "{\"forged\":true," + p[1..], Sha256)));

        var edited = await VerifyAsync(supervisor);

        Assert.True((bool)intact["ok"]!, intact.ToJsonString());
        Assert.Equal(2500, (long)intact["events"]!);
        Assert.Equal(2, app.Query(db => db.AuditSeals.Count(s => s.KeyId == ServiceKey.Id)));
        Assert.False((bool)edited["ok"]!);
        Assert.Equal(target, (long)edited["firstBad"]!["id"]!);
        Assert.Equal(AuditChain.ChunkSize + 99, (long)edited["events"]!);
    }
}
