using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Audit;

/// <summary><c>audit verify [--checkpoint FILE] [--ConnectionStrings:VoiceProxy=…] [--VoiceProxy:Database:Provider=Postgres]
/// [--VoiceProxy:Audit:Key=… | --VoiceProxy:Audit:KeyFile=…]</c>: walks the chain with the audit key (and against a signed
/// checkpoint), prints the result as JSON, exits 0 when intact, 1 when broken, 2 when it cannot tell.</summary>
internal static class AuditCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is not ["verify", .. var rest])
            return Fail("usage: audit verify [--checkpoint FILE] [--ConnectionStrings:VoiceProxy=\"Data Source=FILE\"] "
                + "[--VoiceProxy:Audit:KeyFile=FILE]");
        string? checkpointFile = null;
        if (Array.IndexOf(rest, "--checkpoint") is >= 0 and var at)
        {
            if (at + 1 >= rest.Length) return Fail("--checkpoint needs a file.");
            checkpointFile = rest[at + 1];
            rest = [.. rest[..at], .. rest[(at + 2)..]];
        }
        var config = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(rest)
            .Build();
        var providerName = config[$"{DatabaseOptions.Section}:Provider"];
        if (!DatabaseOptions.TryParse(providerName ?? nameof(DatabaseProvider.Sqlite), out var provider))
            return Fail(DatabaseOptions.ProviderError(providerName));
        var connection = config.GetConnectionString("VoiceProxy");
        var audit = config.GetSection($"{VoiceProxyOptions.Section}:Audit").Get<AuditOptions>() ?? new AuditOptions();
        // The development key only in Development: a command that says "intact" must have used the key the service sealed with.
        var environment = config["DOTNET_ENVIRONMENT"] ?? config["ASPNETCORE_ENVIRONMENT"];
        var (keys, problems) = AuditKeys.Load(audit, development: environment == "Development");
        if (keys is null) return Fail(problems[0]);
        try
        {
            AuditCheckpoint? checkpoint = null;
            if (checkpointFile is not null)
            {
                var (parsed, problem) = AuditCheckpoint.Parse(await File.ReadAllTextAsync(checkpointFile));
                if ((problem ?? parsed!.Problem(keys)) is { } bad) return Fail($"{checkpointFile}: {bad}");
                checkpoint = parsed;
            }
            await using var db = provider == DatabaseProvider.Postgres
                ? new PostgresVoiceProxyDb(new DbContextOptionsBuilder<VoiceProxyDb>()
                    .UseNpgsql(connection
                        ?? throw new ArgumentException("ConnectionStrings:VoiceProxy is required for Postgres."))
                    .Options)
                : SqliteReadOnly(connection ?? "Data Source=voiceproxy.db");
            var result = await AuditChain.VerifyAsync(db, keys, CancellationToken.None, checkpoint);
            Console.WriteLine(JsonSerializer.Serialize(result, StoredJson.Options));
            if (!result.Ok)
                Console.Error.WriteLine(
                    $"error: the audit chain is broken at event {result.FirstBad!.Id} ({result.FirstBad.Type}): "
                    + result.FirstBad.Problem);
            return result.Ok ? 0 : 1;
        }
        catch (Exception e) when (e is DbException or IOException or ArgumentException or InvalidOperationException
            or UnauthorizedAccessException)
        {
            return Fail(e.Message);
        }
    }

    /// <summary>Read-only, and only an existing file: verifying must never create an empty database and call it intact.</summary>
    private static VoiceProxyDb SqliteReadOnly(string connection)
    {
        var builder = new SqliteConnectionStringBuilder(connection) { Mode = SqliteOpenMode.ReadOnly };
        if (!File.Exists(builder.DataSource))
            throw new FileNotFoundException($"no database at {Path.GetFullPath(builder.DataSource)}");
        return new VoiceProxyDb(new DbContextOptionsBuilder<VoiceProxyDb>().UseSqlite(builder.ToString()).Options);
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 2;
    }
}
