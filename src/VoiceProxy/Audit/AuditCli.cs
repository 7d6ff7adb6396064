using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using VoiceProxy.Data;

namespace VoiceProxy.Audit;

/// <summary><c>audit verify [--ConnectionStrings:VoiceProxy=…]</c>: walks the chain, prints the result as JSON, exits 0 when intact, 1 when broken.</summary>
internal static class AuditCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is not ["verify", .. var rest]) return Fail("usage: audit verify [--ConnectionStrings:VoiceProxy=\"Data Source=FILE\"]");
        var config = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(rest)
            .Build();
        var connection = config.GetConnectionString("VoiceProxy") ?? "Data Source=voiceproxy.db";
        var file = new SqliteConnectionStringBuilder(connection).DataSource;
        if (!File.Exists(file)) return Fail($"no database at {Path.GetFullPath(file)}");
        try
        {
            await using var db = new VoiceProxyDb(new DbContextOptionsBuilder<VoiceProxyDb>()
                .UseSqlite(new SqliteConnectionStringBuilder(connection) { Mode = SqliteOpenMode.ReadOnly }.ToString()).Options);
            var result = await AuditChain.VerifyAsync(db, CancellationToken.None);
            Console.WriteLine(JsonSerializer.Serialize(result, AuditLog.Json));
            if (!result.Ok) Console.Error.WriteLine($"error: the audit chain is broken at event {result.FirstBad!.Id} ({result.FirstBad.Type}): {result.FirstBad.Problem}");
            return result.Ok ? 0 : 1;
        }
        catch (SqliteException e)
        {
            return Fail(e.Message);
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 2;
    }
}
