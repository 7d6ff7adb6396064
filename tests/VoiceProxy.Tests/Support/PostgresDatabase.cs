using System.Diagnostics;
using Npgsql;

namespace VoiceProxy.Tests.Support;

/// <summary>A fresh database on the test PostgreSQL server, dropped on dispose. The server comes from
/// VOICEPROXY_TEST_POSTGRES (set by .ci/run from tests/postgres-up.sh); outside CI, when it is unset, the same script is
/// run once to start a local server. Under CI=true a missing or unreachable server fails the test: it is never skipped.</summary>
public sealed class PostgresDatabase : IDisposable
{
    public const string EnvironmentVariable = "VOICEPROXY_TEST_POSTGRES";
    private static readonly Lazy<string> Server = new(FindServer);

    public PostgresDatabase()
    {
        Name = $"voiceproxy_test_{Guid.NewGuid():N}";
        Execute($"CREATE DATABASE \"{Name}\"");
        ConnectionString = new NpgsqlConnectionStringBuilder(Server.Value) { Database = Name }.ConnectionString;
    }

    public string Name { get; }
    public string ConnectionString { get; }

    /// <summary>The settings that point a VoiceProxy instance at this database.</summary>
    public Dictionary<string, string?> Settings => new()
    {
        ["VoiceProxy:Database:Provider"] = "Postgres",
        ["ConnectionStrings:VoiceProxy"] = ConnectionString,
    };

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        // FORCE may not end a server process of another role, such as an autovacuum worker that has just begun on this
        // database (the audit sealer's updates invite one): those finish within moments, so try again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Execute($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
                return;
            }
            catch (PostgresException e)
                when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ObjectInUse && attempt < 20)
            {
                Thread.Sleep(250);
            }
        }
    }

    private static void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(Server.Value);
        try { connection.Open(); }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw new InvalidOperationException(
                $"PostgreSQL is not reachable through {EnvironmentVariable} ({Describe(Server.Value)}): {e.Message}. " +
                "Start it with tests/postgres-up.sh.", e);
        }
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static string Describe(string connection)
    {
        var b = new NpgsqlConnectionStringBuilder(connection);
        return $"{b.Host}:{b.Port} as {b.Username}";
    }

    private static string FindServer()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured) return configured;
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException(
                $"PostgreSQL tests need {EnvironmentVariable}; .ci/run sets it from tests/postgres-up.sh. "
                + "It is unset under CI=true.");
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "tests", "postgres-up.sh"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException(
            $"PostgreSQL tests need {EnvironmentVariable}, and tests/postgres-up.sh was not found to start a local server.");
        using var script = Process.Start(new ProcessStartInfo("bash", [Path.Combine(dir.FullName, "tests", "postgres-up.sh")])
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = script.StandardOutput.ReadToEndAsync();
        var error = script.StandardError.ReadToEndAsync();
        if (!script.WaitForExit(TimeSpan.FromMinutes(5)) || script.ExitCode != 0)
            throw new InvalidOperationException(
                $"tests/postgres-up.sh failed; set {EnvironmentVariable} to a server's connection string instead. "
                + error.Result);
        return output.Result.Trim().Split('\n')[^1].Trim();
    }
}

/// <summary>Which store a provider-parameterized test runs on: the app, and its database when that is PostgreSQL.</summary>
public sealed class StoreUnderTest : IDisposable
{
    private readonly PostgresDatabase? _database;

    public StoreUnderTest(string provider, Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? []);
        if (provider == "Postgres")
        {
            _database = new PostgresDatabase();
            foreach (var (key, value) in _database.Settings) all[key] = value;
        }
        App = new VoiceProxyApplication(all);
    }

    public VoiceProxyApplication App { get; }
    public string? ConnectionString => _database?.ConnectionString;

    public void Dispose()
    {
        App.Dispose();
        _database?.Dispose();
    }
}
