using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VoiceProxy.Audit;
using VoiceProxy.Data;

namespace VoiceProxy.Tests.Audit;

public sealed class AuditChainTests : ApplicationTests
{
    private readonly HttpClient _supervisor;

    public AuditChainTests() => _supervisor = App.ClientWithKey(VoiceProxyApplication.SupervisorKey);

    private string DatabaseFile => Path.Combine(App.Folder, "voiceproxy.db");

    /// <summary>Six audit events, one per request, ids 1 to 6.</summary>
    private async Task WriteSixEventsAsync()
    {
        for (var i = 0; i < 6; i++)
        {
            await Acme.GrantAsync($"+1415555010{i}", "transactional");
            App.Time.Advance(TimeSpan.FromMinutes(1));
        }
    }

    private async Task<JsonNode> VerifyAsync()
    {
        var (status, body) = await _supervisor.GetJsonAsync("/v1/audit/verify");
        Assert.Equal(HttpStatusCode.OK, status);
        return body;
    }

    private void Tamper(params string[] statements)
    {
        using var connection = new SqliteConnection($"Data Source={DatabaseFile};Pooling=False");
        connection.Open();
        foreach (var sql in statements)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }

    [Fact]
    public async Task Verify_UntouchedChain_IsOkWithCountAndHead()
    {
        await WriteSixEventsAsync();

        var result = await VerifyAsync();

        Assert.True((bool)result["ok"]!);
        Assert.Equal(6, (long)result["events"]!);
        var stored = App.Query(db => db.AuditEvents.OrderBy(e => e.Id).ToList());
        Assert.Equal((string?)result["head"], stored[^1].Hash);
        Assert.Equal(AuditChain.Genesis, stored[0].PreviousHash);
        Assert.All(stored.Skip(1), (e, i) => Assert.Equal(stored[i].Hash, e.PreviousHash));
        Assert.Null(result["firstBad"]);
    }

    [Fact]
    public async Task Verify_EmptyChain_IsOk()
    {
        var result = await VerifyAsync();

        Assert.True((bool)result["ok"]!);
        Assert.Equal(0, (long)result["events"]!);
    }

    [Fact]
    public async Task Verify_PayloadEditedInTheFile_FailsAtThatEvent()
    {
        await WriteSixEventsAsync();
        Tamper("UPDATE audit_events SET PayloadJson = replace(PayloadJson, 'transactional', 'marketing') WHERE Id = 3");

        var result = await VerifyAsync();

        Assert.False((bool)result["ok"]!);
        Assert.Equal(3, (long)result["firstBad"]!["id"]!);
        Assert.Equal("consent.granted", (string?)result["firstBad"]!["type"]);
        Assert.Contains("changed", (string?)result["firstBad"]!["problem"]);
        Assert.Equal(2, (long)result["events"]!);
    }

    [Fact]
    public async Task Verify_PayloadEditedAndRehashed_FailsAtTheNextEvent()
    {
        await WriteSixEventsAsync();
        var forged = App.Query(db => db.AuditEvents.AsNoTracking().Single(e => e.Id == 3));
        var edited = new AuditEvent
        {
            Id = forged.Id, At = forged.At, Type = forged.Type, Actor = forged.Actor, Seller = forged.Seller,
            Subject = forged.Subject,
            PayloadJson = forged.PayloadJson.Replace("transactional", "marketing", StringComparison.Ordinal),
        };
        var hash = AuditChain.HashOf(edited, forged.PreviousHash!);
        Tamper($"UPDATE audit_events SET PayloadJson = '{edited.PayloadJson}', Hash = '{hash}' WHERE Id = 3");

        var result = await VerifyAsync();

        Assert.False((bool)result["ok"]!);
        Assert.Equal(4, (long)result["firstBad"]!["id"]!);
        Assert.Contains("previous hash", (string?)result["firstBad"]!["problem"]);
    }

    [Fact]
    public async Task Verify_RowDeletedFromTheFile_FailsAtTheEventAfterIt()
    {
        await WriteSixEventsAsync();
        Tamper("DELETE FROM audit_events WHERE Id = 4");

        var result = await VerifyAsync();

        Assert.False((bool)result["ok"]!);
        Assert.Equal(5, (long)result["firstBad"]!["id"]!);
        Assert.Contains("missing", (string?)result["firstBad"]!["problem"]);
    }

    [Fact]
    public async Task Verify_FirstRowDeleted_FailsAtTheNewFirstEvent()
    {
        await WriteSixEventsAsync();
        Tamper("DELETE FROM audit_events WHERE Id = 1");

        var result = await VerifyAsync();

        Assert.False((bool)result["ok"]!);
        Assert.Equal(2, (long)result["firstBad"]!["id"]!);
        Assert.Equal(0, (long)result["events"]!);
    }

    [Fact]
    public async Task Verify_TwoRowsSwapped_FailsAtTheEarlierPosition()
    {
        await WriteSixEventsAsync();
        Tamper(
            "UPDATE audit_events SET Id = -1 WHERE Id = 2",
            "UPDATE audit_events SET Id = 2 WHERE Id = 5",
            "UPDATE audit_events SET Id = 5 WHERE Id = -1");

        var result = await VerifyAsync();

        Assert.False((bool)result["ok"]!);
        Assert.Equal(2, (long)result["firstBad"]!["id"]!);
    }

    [Fact]
    public async Task Verify_WithCallerKey_IsForbidden()
    {
        var (status, body) = await Acme.GetJsonAsync("/v1/audit/verify");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.NotNull(body["title"]);
    }

    [Fact]
    public async Task AuditCli_IntactThenTampered_ExitsZeroThenOne()
    {
        await WriteSixEventsAsync();
        string[] args = ["verify", $"--ConnectionStrings:VoiceProxy=Data Source={DatabaseFile}"];

        var intact = await AuditCli.RunAsync(args);
        Tamper("UPDATE audit_events SET Actor = 'someone-else' WHERE Id = 6");
        var tampered = await AuditCli.RunAsync(args);
        var noDatabase = await AuditCli.RunAsync(["verify",
            $"--ConnectionStrings:VoiceProxy=Data Source={Path.Combine(App.Folder, "none.db")}"]);

        Assert.Equal(0, intact);
        Assert.Equal(1, tampered);
        Assert.Equal(2, noDatabase);
    }

    [Fact]
    public async Task Append_FromManyTasksAndTwoIndependentStores_OneGaplessChain()
    {
        // A second DbContext configuration over the same file stands in for a second instance of the service.
        var otherInstance = new DbContextOptionsBuilder<VoiceProxyDb>()
            .UseSqlite($"Data Source={DatabaseFile}").AddInterceptors(AuditChainInterceptor.Instance).Options;
        await _supervisor.GetAsync("/health/ready"); // starts the app, which creates the schema

        var tasks = Enumerable.Range(0, 48).Select(i => Task.Run(async () =>
        {
            if (i % 2 == 0)
            {
                using var scope = App.Services.CreateScope();
                var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
                audit.Append("test.first", "task", "acme", $"task-{i}", new { i, part = 1 });
                audit.Append("test.second", "task", "acme", $"task-{i}", new { i, part = 2 });
                await scope.ServiceProvider.GetRequiredService<VoiceProxyDb>().SaveChangesAsync();
            }
            else
            {
                await using var db = new VoiceProxyDb(otherInstance);
                var audit = new AuditLog(db, App.Time);
                audit.Append("test.first", "other", "globex", $"task-{i}", new { i, part = 1 });
                audit.Append("test.second", "other", "globex", $"task-{i}", new { i, part = 2 });
                await db.SaveChangesAsync();
            }
        })).ToList();
        tasks.AddRange(Enumerable.Range(0, 16).Select(i => Acme.GrantAsync($"+1415555{i:0000}", "transactional")));
        await Task.WhenAll(tasks);

        var result = await VerifyAsync();
        var events = App.Query(db => db.AuditEvents.OrderBy(e => e.Id).ToList());

        Assert.True((bool)result["ok"]!, result.ToJsonString());
        Assert.Equal(48 * 2 + 16, (long)result["events"]!);
        Assert.Equal(Enumerable.Range(1, 48 * 2 + 16).Select(i => (long)i), events.Select(e => e.Id));
        // The two events of one save stay together and in the order they were appended.
        Assert.All(events.Where(e => e.Type == "test.first"), first =>
        {
            var second = events.Single(e => e.Id == first.Id + 1);
            Assert.Equal(("test.second", first.Subject), (second.Type, second.Subject));
        });
    }

    [Fact]
    public async Task Store_EditOrDeleteOfAnAuditEvent_IsRefused()
    {
        await WriteSixEventsAsync();
        using var scope = App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VoiceProxyDb>();
        var first = await db.AuditEvents.OrderBy(e => e.Id).FirstAsync();

        first.Hash = AuditChain.Genesis;
        var edit = await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
        db.ChangeTracker.Clear();
        db.AuditEvents.Remove(await db.AuditEvents.OrderBy(e => e.Id).FirstAsync());
        var delete = await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());

        Assert.Contains("append-only", edit.Message);
        Assert.Contains("delete", delete.Message);
        Assert.Equal(6, App.Query(d => d.AuditEvents.Count()));
    }
}
