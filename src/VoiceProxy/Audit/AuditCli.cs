using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using VoiceProxy.Data;

namespace VoiceProxy.Audit;

/// <summary><c>audit verify [--ConnectionStrings:VoiceProxy=…] [--VoiceProxy:Database:Provider=Postgres]</c>: walks the
/// chain, prints the result as JSON, exits 0 when intact, 1 when broken.</summary>
internal static class AuditCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is not ["verify", .. var rest])
            return Fail("usage: audit verify [--ConnectionStrings:VoiceProxy=\"Data Source=FILE\"]");
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
        try
        {
            await using var db = provider == DatabaseProvider.Postgres
                ? new PostgresVoiceProxyDb(new DbContextOptionsBuilder<VoiceProxyDb>()
                    .UseNpgsql(connection
                        ?? throw new ArgumentException("ConnectionStrings:VoiceProxy is required for Postgres."))
                    .Options)
                : SqliteReadOnly(connection ?? "Data Source=voiceproxy.db");
            var result = await AuditChain.VerifyAsync(db, CancellationToken.None);
            Console.WriteLine(JsonSerializer.Serialize(result, StoredJson.Options));
            if (!result.Ok)
                Console.Error.WriteLine(
                    $"error: the audit chain is broken at event {result.FirstBad!.Id} ({result.FirstBad.Type}): "
                    + result.FirstBad.Problem);
            return result.Ok ? 0 : 1;
        }
        catch (Exception e) when (e is DbException or FileNotFoundException or ArgumentException or InvalidOperationException)
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
