using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VoiceProxy.Audit;
using VoiceProxy.Data;
using VoiceProxy.Tests.Audit;
using VoiceProxy.Tests.Calls;

namespace VoiceProxy.Tests.Deployment;

/// <summary>A representative set of the storage and integration tests, run on each provider.</summary>
public sealed class BothProvidersTests
{
    private const string Phone = "+14155550123";

    public static TheoryData<string> Providers => ["Sqlite", "Postgres"];

    [Theory, MemberData(nameof(Providers))]
    public async Task PlaceCall_AllowedThenBlocked_RecordsBothAndOneTwilioRequest(string provider)
    {
        using var store = new StoreUnderTest(provider);
        var acme = store.App.Acme();
        await acme.GrantAsync(Phone, "transactional");

        var (placed, body) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        var (blocked, problem) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate("+14155550124"));

        Assert.Equal(HttpStatusCode.Created, placed);
        Assert.StartsWith("CA", (string?)body["twilioCallSid"]);
        Assert.Equal((HttpStatusCode)422, blocked);
        Assert.Equal(["consent_missing"], problem.ReasonCodes());
        Assert.Single(store.App.CreateCallRequests);
        var (status, call) = await acme.GetJsonAsync($"/v1/calls/{body["id"]}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(store.App.Time.GetUtcNow(), (DateTimeOffset)call["requestedAt"]!);
        Assert.Equal(2, store.App.Query(db => db.Calls.Count()));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Erasure_ClearsThePersonsRows_ChainVerifies_NumberStaysBlocked(string provider)
    {
        using var store = new StoreUnderTest(provider);
        var acme = store.App.Acme();
        var (_, granted) = await acme.PostJsonAsync("/v1/consents", new
        {
            phone = Phone, scope = "transactional", kind = "express", note = (string?)null,
            evidence = new { ipAddress = "203.0.113.9", userAgent = "TestBrowser/2" },
        });
        await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        await acme.PostJsonAsync("/v1/dnc", new { phone = "+14155550125", reason = "asked by email" });

        var (erased, result) = await store.App.ClientWithKey(VoiceProxyApplication.AdminKey)
            .PostJsonAsync("/v1/privacy/erasures", new { phone = Phone, reason = "asked by letter" });
        var left = store.App.Query(db => db.Calls.Count(c => c.To == Phone) + db.Consents.Count(c => c.Phone == Phone)
            + db.PersonalData.Count(p => p.Json.Contains(Phone) || p.Json.Contains("203.0.113.9")));
        // A later request names the number again, and is blocked.
        var (blocked, problem) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        var (_, verified) = await store.App.ClientWithKey(VoiceProxyApplication.SupervisorKey).VerifySealedAsync();

        Assert.Equal(HttpStatusCode.OK, erased);
        Assert.Equal(1, (int)result["calls"]!);
        Assert.Equal(1, (int)result["consentEntries"]!);
        Assert.Equal((HttpStatusCode)422, blocked);
        Assert.Contains("dnc_internal", problem.ReasonCodes());
        Assert.True((bool)verified["ok"]!, verified.ToJsonString());
        Assert.Equal(0, left);
        Assert.Equal("erased", store.App.Query(db => db.Consents.OrderBy(c => c.Id).First().EvidenceJson!.Trim('"')));
        Assert.Equal(1, store.App.Query(db => db.DncEntries.Count(d => d.Phone == "+14155550125")));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ConsentRevokedThenDnc_NextCallsBlockedWithTheirReasons(string provider)
    {
        using var store = new StoreUnderTest(provider);
        var acme = store.App.Acme();
        await acme.GrantAsync(Phone, "transactional");
        await acme.PostJsonAsync("/v1/consents/revocations", new { phone = Phone, channel = "email" });

        var (revoked, afterRevocation) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        await acme.GrantAsync("+14155550125", "transactional");
        await acme.PostJsonAsync("/v1/dnc", new { phone = "+14155550125", reason = "asked by email" });
        var (listed, afterDnc) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate("+14155550125"));
        var (_, consent) = await acme.GetJsonAsync($"/v1/consents/{ApiHelpers.Path(Phone)}");

        Assert.Equal((HttpStatusCode)422, revoked);
        Assert.Equal(["consent_revoked"], afterRevocation.ReasonCodes());
        Assert.Equal((HttpStatusCode)422, listed);
        Assert.Equal(["dnc_internal"], afterDnc.ReasonCodes());
        Assert.Equal(2, consent["history"]!.AsArray().Count);
        Assert.Empty(store.App.CreateCallRequests);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task FiftyConcurrentRequestsWithOneKey_OneCallSameAnswerAndConflictOnAnotherBody(string provider)
    {
        using var store = new StoreUnderTest(provider);
        var acme = store.App.Acme();
        await acme.GrantAsync(Phone, "transactional");
        acme.DefaultRequestHeaders.Add("Idempotency-Key", "order-A-1001-shipped");

        var results = await Task.WhenAll(Enumerable.Range(0, 50)
            .Select(_ => acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone))));
        var (conflict, _) = await acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate("+14155550124"));

        Assert.All(results, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Single(results.Select(r => (string?)r.Body["id"]).Distinct());
        Assert.Equal(HttpStatusCode.Conflict, conflict);
        Assert.Single(store.App.CreateCallRequests);
        Assert.Equal(1, store.App.Query(db => db.Calls.Count()));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task TwentyConcurrentMarketingRequests_CapOfThree_PlacesExactlyThree(string provider)
    {
        using var store = new StoreUnderTest(provider);
        await ConcurrencyTests.TwentyMarketingRequestsPlaceThreeAsync(store.App);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task AuditChain_ManyWritersThroughTwoStoreConfigurations_OneGaplessVerifiedChain(string provider)
    {
        using var store = new StoreUnderTest(provider);
        var supervisor = store.App.ClientWithKey(VoiceProxyApplication.SupervisorKey);
        await supervisor.GetAsync("/health/ready"); // starts the app, which migrates
        store.App.Time.Advance(TimeSpan.FromTicks(1_234_567)); // an instant finer than PostgreSQL's microseconds
        // A second, independent context configuration stands in for another instance of the service: its commits interleave
        // with the group commit's, and on PostgreSQL its sequence numbers may commit out of order.
        var other = new DbContextOptionsBuilder<VoiceProxyDb>();
        if (provider == "Postgres") other.UseNpgsql(store.ConnectionString);
        else other.UseSqlite($"Data Source={Path.Combine(store.App.Folder, "voiceproxy.db")}");
        var writer = store.App.Services.GetRequiredService<StoreWriter>();
        var journal = store.App.Services.GetRequiredService<Journal>();

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
        {
            void Append(VoiceProxyDb db)
            {
                journal.Audit(db, "test.first", "task", "acme", $"task-{i}", new { i });
                journal.Audit(db, "test.second", "task", "acme", $"task-{i}", new { i });
            }
            if (i % 2 == 0)
            {
                await writer.WriteAsync(Append);
                return;
            }
            await using var own = provider == "Postgres"
                ? new PostgresVoiceProxyDb(other.Options)
                : new VoiceProxyDb(other.Options);
            Append(own);
            await own.SaveChangesAsync();
        })));
        var (status, verify) = await supervisor.VerifySealedAsync();
        var positions = store.App.Query(db => db.AuditEvents.OrderBy(e => e.Position).Select(e => e.Position).ToList());

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True((bool)verify["ok"]!, verify.ToJsonString());
        Assert.Equal(80, (long)verify["events"]!);
        Assert.Equal(Enumerable.Range(1, 80).Select(i => (long?)i), positions);
    }

    [Fact]
    public async Task AuditChain_PostgresTransactionCommittingLate_SealedAfterTheOthersNeverSkipped()
    {
        using var store = new StoreUnderTest("Postgres");
        var supervisor = store.App.ClientWithKey(VoiceProxyApplication.SupervisorKey);
        await supervisor.GetAsync("/health/ready");
        var journal = store.App.Services.GetRequiredService<Journal>();
        var options = new DbContextOptionsBuilder<VoiceProxyDb>().UseNpgsql(store.ConnectionString).Options;

        // Takes its sequence number first, then stays open while later numbers commit and are sealed.
        await using var late = new PostgresVoiceProxyDb(options);
        await using var tx = await late.Database.BeginTransactionAsync();
        journal.Audit(late, "test.late", "test", "acme", "late", new { });
        await late.SaveChangesAsync();
        for (var i = 0; i < 5; i++) await store.App.Acme().GrantAsync($"+1415555012{i}", "transactional");
        var (_, before) = await supervisor.VerifySealedAsync();
        await tx.CommitAsync();
        var (_, after) = await supervisor.VerifySealedAsync();
        var events = store.App.Query(db => db.AuditEvents
            .OrderBy(e => e.Position)
            .Select(e => new { e.Id, e.Type, e.Position })
            .ToList());

        Assert.True((bool)before["ok"]!, before.ToJsonString());
        Assert.Equal(5, (long)before["events"]!);
        Assert.True((bool)after["ok"]!, after.ToJsonString());
        Assert.Equal(6, (long)after["events"]!);
        var lateEvent = events.Single(e => e.Type == "test.late");
        Assert.Equal(6, lateEvent.Position);
        Assert.True(events.Where(e => e.Type != "test.late").All(e => e.Id > lateEvent.Id),
            "the late event had the lowest sequence number");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Ready_WritableDatabase_IsHealthy(string provider)
    {
        using var store = new StoreUnderTest(provider);

        var response = await store.App.CreateClient().GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Ready_PostgresDatabaseSetReadOnly_IsUnhealthy()
    {
        using var store = new StoreUnderTest("Postgres");
        var client = store.App.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        await using (var connection = new Npgsql.NpgsqlConnection(store.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command =
                new Npgsql.NpgsqlCommand($"ALTER DATABASE \"{connection.Database}\" SET default_transaction_read_only = on",
                connection);
            await command.ExecuteNonQueryAsync();
        }
        Npgsql.NpgsqlConnection.ClearAllPools(); // the setting applies to new sessions
        store.App.Time.Advance(VoiceProxy.Data.DatabaseHealthCheck.Fresh); // readiness answers from one probe a second

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
    }

    [Theory]
    [InlineData("Mysql", "VoiceProxy:Database:Provider must be Sqlite or Postgres (was 'Mysql').")]
    [InlineData("Postgres", "ConnectionStrings:VoiceProxy is required when VoiceProxy:Database:Provider is Postgres.")]
    public void Startup_BadProviderSetting_FailsNamingTheKey(string provider, string message)
    {
        var settings = new Dictionary<string, string?> { ["VoiceProxy:Database:Provider"] = provider };
        if (provider == "Postgres") settings["ConnectionStrings:VoiceProxy"] = "";
        using var app = new VoiceProxyApplication(settings);

        var e = Assert.ThrowsAny<Exception>(app.CreateClient);

        Assert.Contains(message, e.ToString());
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task AuditCli_OnEitherProvider_VerifiesTheChain(string provider)
    {
        using var store = new StoreUnderTest(provider);
        var acme = store.App.Acme();
        await acme.GrantAsync("+14155550123", "transactional");
        await acme.PostJsonAsync("/v1/dnc", new { phone = "+14155550123", reason = "asked" });
        var connection = store.ConnectionString ?? $"Data Source={Path.Combine(store.App.Folder, "voiceproxy.db")}";

        var exit = await VoiceProxy.Audit.AuditCli.RunAsync(["verify", $"--ConnectionStrings:VoiceProxy={connection}",
            $"--VoiceProxy:Database:Provider={provider}", $"--VoiceProxy:Audit:Key={VoiceProxyApplication.AuditKey}"]);

        Assert.Equal(0, exit);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task KeyedAuditChain_RehashedWithoutTheKeyOrCutWithItsSeals_CaughtWithTheKeyAndACheckpoint(string provider)
    {
        using var store = new StoreUnderTest(provider);
        var supervisor = store.App.ClientWithKey(VoiceProxyApplication.SupervisorKey);
        for (var i = 0; i < 6; i++)
        {
            await store.App.Acme().GrantAsync($"+1415555013{i}", "transactional");
            await supervisor.VerifySealedAsync();
        }
        var (_, checkpoint) = await supervisor.GetJsonAsync("/v1/audit/checkpoint");
        var restored = store.App.Query(db => db.AuditEvents.AsNoTracking().OrderBy(e => e.Position).ToList());

        // The database itself refuses the edit while its triggers are on.
        var refused = Assert.ThrowsAny<DbException>(() => store.App.Query(db =>
        {
            AuditTampering.Execute(db, "UPDATE audit_events SET \"PayloadJson\" = '{}' WHERE \"Position\" = 2");
            return 0;
        }));
        AuditTampering.Store(store, store.App.Query(db => AuditTampering.EditAndRehash(db, restored[1].Id,
            p => p.Replace("transactional", "marketing", StringComparison.Ordinal),
            c => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(c)))));
        var (_, rehashed) = await supervisor.GetJsonAsync("/v1/audit/verify");
        AuditTampering.Store(store, [.. restored.Select(e =>
            $"UPDATE audit_events SET \"PayloadJson\" = '{e.PayloadJson.Replace("'", "''", StringComparison.Ordinal)}', "
                + $"\"PreviousHash\" = '{e.PreviousHash}', \"Hash\" = '{e.Hash}' WHERE \"Id\" = {e.Id}"),
            .. restored.Select(e => $"UPDATE audit_seals SET \"HeadHash\" = '{e.Hash}' WHERE \"LastPosition\" = {e.Position}"),
            .. AuditTampering.TruncateTo(4)]);
        var (_, truncated) = await supervisor.GetJsonAsync("/v1/audit/verify");
        var against = await supervisor.PostAsJsonAsync("/v1/audit/verify", checkpoint);
        var verdict = JsonNode.Parse(await against.Content.ReadAsStringAsync())!;
        // Restarted with the same key over the same store (the truncated chain is still a valid one on its own).
        using var again = new VoiceProxyApplication(new()
        {
            ["ConnectionStrings:VoiceProxy"] = store.ConnectionString
                ?? $"Data Source={Path.Combine(store.App.Folder, "voiceproxy.db")}",
            ["VoiceProxy:Database:Provider"] = provider,
        });
        var (_, restarted) = await again.ClientWithKey(VoiceProxyApplication.SupervisorKey).VerifySealedAsync();

        Assert.Contains("append-only", refused.ToString());
        Assert.False((bool)rehashed["ok"]!, rehashed.ToJsonString());
        Assert.Equal(restored[1].Id, (long)rehashed["firstBad"]!["id"]!);
        Assert.True((bool)truncated["ok"]!, truncated.ToJsonString());
        Assert.Equal(4, (long)truncated["events"]!);
        Assert.False((bool)verdict["ok"]!, verdict.ToJsonString());
        Assert.Contains("removed after it was taken", (string?)verdict["firstBad"]!["problem"]);
        Assert.True((bool)restarted["ok"]!, restarted.ToJsonString());
    }

    [Theory, MemberData(nameof(Providers))]
    public void Migration_BlockedCallsRecordedBefore_GetTheirReasonCodesBackfilled(string provider)
    {
        using var store = new StoreUnderTest(provider);
        var sqlite = store.ConnectionString is null;
        using var db = sqlite
            ? new VoiceProxyDb(new DbContextOptionsBuilder<VoiceProxyDb>()
                .UseSqlite($"Data Source={Path.Combine(store.App.Folder, "voiceproxy.db")}").Options)
            : new PostgresVoiceProxyDb(new DbContextOptionsBuilder<VoiceProxyDb>().UseNpgsql(store.ConnectionString).Options);
        var migrator = db.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>();
        var migrations = db.Database.GetMigrations().ToList();
        var before = migrations[migrations.FindIndex(m => m.EndsWith("_KeyedAuditAndReasonCodes", StringComparison.Ordinal)) - 1];
        migrator.Migrate(before);
        string Insert(string id, bool allowed, string reasons) =>
            "INSERT INTO calls (\"Id\", \"Seller\", \"To\", \"From\", \"Purpose\", \"Template\", \"Language\", "
            + "\"VariablesJson\", \"Allowed\", \"DecisionJson\", \"Status\", \"OptedOut\", \"LastSequenceNumber\", "
            + "\"RequestedAt\", \"UpdatedAt\") VALUES "
            + $"('{id}', 'acme', '+14155550123', '+14155550100', 'marketing', 'promo', 'en-US', '{{}}', "
            + $"{(allowed ? "TRUE" : "FALSE")}, '{{\"allowed\":{(allowed ? "true" : "false")},\"reasons\":[{reasons}]}}', "
            + $"'{(allowed ? "completed" : "blocked")}', FALSE, -1, {(sqlite ? "0, 0" : "now(), now()")})";
        AuditTampering.Execute(db, Insert("blocked-two", false,
            "{\"code\":\"dnc_national\",\"rule\":\"r\",\"message\":\"m\"},"
            + "{\"code\":\"calling_hours\",\"rule\":\"r\",\"message\":\"m\"},"
            + "{\"code\":\"dnc_national\",\"rule\":\"r2\",\"message\":\"m\"}"));
        AuditTampering.Execute(db, Insert("allowed", true, ""));

        migrator.Migrate();
        var codes = db.Calls.AsNoTracking().OrderBy(c => c.Id).Select(c => new { c.Id, c.ReasonCodes }).ToList();

        (string, string?)[] expected = [("allowed", null), ("blocked-two", "dnc_national calling_hours")];
        Assert.Equal(expected, codes.Select(c => (c.Id, c.ReasonCodes)));
    }
}
