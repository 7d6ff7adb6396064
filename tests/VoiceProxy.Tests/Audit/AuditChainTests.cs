using System.Net;
using System.Text.Json.Nodes;
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

    /// <summary>Six audit events, one per request, ids 1 to 6, sealed at chain positions 1 to 6.</summary>
    private async Task WriteSixEventsAsync()
    {
        for (var i = 0; i < 6; i++)
        {
            await Acme.GrantAsync($"+1415555010{i}", "transactional");
            App.Time.Advance(TimeSpan.FromMinutes(1));
        }
        await VerifyAsync();
    }

    private async Task<JsonNode> VerifyAsync()
    {
        var (status, body) = await _supervisor.VerifySealedAsync();
        Assert.Equal(HttpStatusCode.OK, status);
        return body;
    }

    private void Tamper(params string[] statements) => AuditTampering.Sqlite(DatabaseFile, statements);

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
            "UPDATE audit_events SET Position = -1 WHERE Position = 2",
            "UPDATE audit_events SET Position = 2 WHERE Position = 5",
            "UPDATE audit_events SET Position = 5 WHERE Position = -1");

        var result = await VerifyAsync();

        // Chain position 2 now holds event 5, whose previous hash is not that of the event at position 1.
        Assert.False((bool)result["ok"]!);
        Assert.Equal(5, (long)result["firstBad"]!["id"]!);
        Assert.Equal(1, (long)result["events"]!);
    }

    [Fact]
    public async Task Verify_LastSealedEventsDeleted_FailsAgainstTheLatestSeal()
    {
        await WriteSixEventsAsync();
        Tamper("DELETE FROM audit_events WHERE Id >= 5");

        var result = await VerifyAsync();

        Assert.False((bool)result["ok"]!);
        Assert.Contains("removed", (string?)result["firstBad"]!["problem"]);
        Assert.Equal(4, (long)result["events"]!);
    }

    [Fact]
    public async Task Verify_CommittedButNotYetSealed_CountedAsUnsealedThenSealedInOrder()
    {
        await WriteSixEventsAsync();
        using (var scope = App.Services.CreateScope())
        {
            // Straight into the store, as a request's commit would, while no sealer pass has run yet.
            var db = scope.ServiceProvider.GetRequiredService<VoiceProxyDb>();
            db.AuditEvents.Add(
                new AuditEvent { At = App.Time.GetUtcNow(), Type = "test.late", Actor = "test", PayloadJson = "{}" });
            await db.SaveChangesAsync();
        }
        var before = await App.Services.GetRequiredService<AuditSealer>().SealOnceAsync();

        var result = await VerifyAsync();
        var late = App.Query(db => db.AuditEvents.Single(e => e.Type == "test.late"));

        Assert.True((bool)result["ok"]!, result.ToJsonString());
        Assert.Equal(7, (long)result["events"]!);
        Assert.Equal(0, (long)result["unsealed"]!);
        Assert.Equal(7, late.Position);
        Assert.Equal((string?)result["head"], late.Hash);
        Assert.InRange(before, 0, 1);
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
        string[] args = ["verify", $"--ConnectionStrings:VoiceProxy=Data Source={DatabaseFile}",
            $"--VoiceProxy:Audit:Key={VoiceProxyApplication.AuditKey}"];

        var intact = await AuditCli.RunAsync(args);
        Tamper("UPDATE audit_events SET Actor = 'someone-else' WHERE Id = 6");
        var tampered = await AuditCli.RunAsync(args);
        var noDatabase = await AuditCli.RunAsync(["verify",
            $"--ConnectionStrings:VoiceProxy=Data Source={Path.Combine(App.Folder, "none.db")}",
            $"--VoiceProxy:Audit:Key={VoiceProxyApplication.AuditKey}"]);

        Assert.Equal(0, intact);
        Assert.Equal(1, tampered);
        Assert.Equal(2, noDatabase);
    }

    [Fact]
    public async Task Append_FromManyTasksAndTwoIndependentStores_OneGaplessChain()
    {
        // A second DbContext configuration over the same file stands in for a writer outside the group commit.
        var otherInstance = new DbContextOptionsBuilder<VoiceProxyDb>().UseSqlite($"Data Source={DatabaseFile}").Options;
        await _supervisor.GetAsync("/health/ready"); // starts the app, which creates the schema
        var writer = App.Services.GetRequiredService<StoreWriter>();
        var journal = App.Services.GetRequiredService<Journal>();

        var tasks = Enumerable.Range(0, 48).Select(i => Task.Run(async () =>
        {
            if (i % 2 == 0)
            {
                await writer.WriteAsync(w =>
                {
                    journal.Audit(w, "test.first", "task", "acme", $"task-{i}", new { i, part = 1 });
                    journal.Audit(w, "test.second", "task", "acme", $"task-{i}", new { i, part = 2 });
                });
            }
            else
            {
                await using var db = new VoiceProxyDb(otherInstance);
                journal.Audit(db, "test.first", "other", "globex", $"task-{i}", new { i, part = 1 });
                journal.Audit(db, "test.second", "other", "globex", $"task-{i}", new { i, part = 2 });
                await db.SaveChangesAsync();
            }
        })).ToList();
        tasks.AddRange(Enumerable.Range(0, 16).Select(i => Acme.GrantAsync($"+1415555{i:0000}", "transactional")));
        await Task.WhenAll(tasks);

        var result = await VerifyAsync();
        var events = App.Query(db => db.AuditEvents.OrderBy(e => e.Position).ToList());

        Assert.True((bool)result["ok"]!, result.ToJsonString());
        Assert.Equal(48 * 2 + 16, (long)result["events"]!);
        Assert.Equal(Enumerable.Range(1, 48 * 2 + 16).Select(i => (long?)i), events.Select(e => e.Position));
        // The two events of one commit stay together and in the order they were appended.
        Assert.All(events.Where(e => e.Type == "test.first"), first =>
        {
            var second = events.Single(e => e.Position == first.Position + 1);
            Assert.Equal(("test.second", first.Subject), (second.Type, second.Subject));
        });
    }

    [Fact]
    public async Task GroupCommit_OneUnitOfTheBatchFails_OthersCommittedAndOnlyThatRequestFails()
    {
        // The sealer's pass at start-up only, so that nothing but this test's writes reaches the writer meanwhile.
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:Audit:SealIntervalMilliseconds"] = "3600000" });
        await app.CreateClient().GetAsync("/health/ready");
        var writer = app.Services.GetRequiredService<StoreWriter>();
        var journal = app.Services.GetRequiredService<Journal>();
        while (writer.Units == 0) await Task.Delay(10);
        var (commits, units) = (writer.Commits, writer.Units);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocking = writer.WriteAsync(async _ => await gate.Task);
        while (writer.Queued > 0) await Task.Delay(10); // the writer is inside the blocking unit; the next three queue behind it

        var first = writer.WriteAsync(w => journal.Audit(w, "test.first", "test", "acme", "a", new { }));
        var bad = writer.WriteAsync(w =>
        {
            // Two seals for one chain position: the unique index refuses the second.
            w.AuditSeals.Add(new AuditSeal { At = app.Time.GetUtcNow(), FirstPosition = -7, LastPosition = -7, HeadHash = "x" });
            w.AuditSeals.Add(new AuditSeal { At = app.Time.GetUtcNow(), FirstPosition = -7, LastPosition = -7, HeadHash = "y" });
        });
        var third = writer.WriteAsync(w => journal.Audit(w, "test.third", "test", "acme", "c", new { }));
        gate.SetResult();
        await Task.WhenAll(blocking, first, third);
        await Assert.ThrowsAsync<DbUpdateException>(() => bad);

        Assert.Equal(["test.first", "test.third"],
            app.Query(db => db.AuditEvents.OrderBy(e => e.Id).Select(e => e.Type).ToList()));
        Assert.Equal(0, app.Query(db => db.AuditSeals.Count(s => s.LastPosition < 0)));
        // The blocking unit's batch, then one batch (one commit, one fsync) for the three that queued behind it.
        Assert.Equal(2, writer.Commits - commits);
        Assert.Equal(4, writer.Units - units);
        Assert.Equal(2, await app.Services.GetRequiredService<AuditSealer>().SealOnceAsync());
    }

    [Fact]
    public async Task Store_EditOrDeleteOfAnAuditEvent_IsRefused()
    {
        await WriteSixEventsAsync();
        using var scope = App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VoiceProxyDb>();
        var first = await db.AuditEvents.OrderBy(e => e.Id).FirstAsync();

        db.Entry(first).Property(e => e.Hash).CurrentValue = AuditChain.Genesis;
        var edit = await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
        db.ChangeTracker.Clear();
        db.AuditEvents.Remove(await db.AuditEvents.OrderBy(e => e.Id).FirstAsync());
        var delete = await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());

        Assert.Contains("append-only", edit.Message);
        Assert.Contains("delete", delete.Message);
        Assert.Equal(6, App.Query(d => d.AuditEvents.Count()));
    }
}
