using Microsoft.Data.Sqlite;

namespace VoiceProxy.Benchmarks;

/// <summary>The baseline: the same numbers in a SQLite table (<c>INTEGER PRIMARY KEY</c>, <c>WITHOUT ROWID</c>), loaded and
/// queried the way an EF Core or Dapper application would: lines read as strings, one parameterized INSERT per number in
/// one transaction, one new parameterized command per lookup on an open connection.</summary>
internal sealed class SqliteBaseline(string path) : IDisposable
{
    private SqliteConnection? _connection;

    public static SqliteBaseline Import(string path, IEnumerable<string> files)
    {
        foreach (var stale in new[] { path, path + "-wal", path + "-shm", path + "-journal" }) File.Delete(stale);
        using (var connection = new SqliteConnection($"Data Source={path}"))
        {
            connection.Open();
            using (var create = connection.CreateCommand())
            {
                create.CommandText = "CREATE TABLE registry (number INTEGER PRIMARY KEY) WITHOUT ROWID";
                create.ExecuteNonQuery();
            }
            using var transaction = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT OR IGNORE INTO registry (number) VALUES ($n)";
            var parameter = insert.Parameters.Add("$n", SqliteType.Integer);
            foreach (var file in files)
            {
                foreach (var line in File.ReadLines(file))
                {
                    if (!DoNotCall.RegistryImporter.TryParse(line, out var number)) continue;
                    parameter.Value = number;
                    insert.ExecuteNonQuery();
                }
            }
            transaction.Commit();
        }
        SqliteConnection.ClearAllPools();
        return new SqliteBaseline(path);
    }

    public long FileBytes => new FileInfo(path).Length;

    public bool Contains(long number)
    {
        _connection ??= Open();
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM registry WHERE number = $n";
        command.Parameters.AddWithValue("$n", number);
        return command.ExecuteScalar() is not null;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        connection.Open();
        return connection;
    }

    public void Dispose()
    {
        _connection?.Dispose();
        SqliteConnection.ClearAllPools();
    }
}
