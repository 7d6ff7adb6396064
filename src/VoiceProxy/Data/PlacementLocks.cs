using Npgsql;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Data;

/// <summary>Serializes call placement per key (a seller and number; an idempotency key) among everything that shares
/// the store. Held from before the facts are read until the caller disposes it, after Twilio has answered, so caps
/// count every call committed before, and a repeat of an in-flight request waits for the first answer and replays it.</summary>
internal interface IPlacementLocks
{
    Task<IAsyncDisposable> AcquireAsync(IReadOnlyCollection<string> keys, CancellationToken ct);
}

/// <summary>SQLite: one instance owns the file, so in-process locks are the whole story (BEGIN IMMEDIATE serializes
/// writers).</summary>
internal sealed class InProcessPlacementLocks(StripedLock stripes) : IPlacementLocks
{
    public async Task<IAsyncDisposable> AcquireAsync(IReadOnlyCollection<string> keys, CancellationToken ct) =>
        new Held(await stripes.AcquireAsync(keys, ct), null);

    internal sealed class Held(IDisposable local, NpgsqlConnection? connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                // Closing a connection with an open transaction rolls it back: that is what releases the advisory locks.
                if (connection is not null) await connection.DisposeAsync();
            }
            finally { local.Dispose(); }
        }
    }
}

/// <summary>PostgreSQL: several instances share the database, so each key is also a transaction-scoped advisory lock,
/// taken in ascending lock-id order (no two holders can wait on each other) on a connection of its own that keeps its
/// transaction open until disposed. The call's own reads and writes go through the DbContext's connection and commit
/// as usual, so the decision is visible to every instance before Twilio is asked. The in-process stripes come first, so
/// requests queued inside one instance hold no connection. The lock connections use a pool of their own (another
/// Application Name) so lock holders waiting for the store's pool can never be starved by lock waiters.</summary>
internal sealed class PostgresPlacementLocks(StripedLock stripes, IConfiguration config) : IPlacementLocks
{
    /// <summary>A lock wait this long means something is stuck; failing the request (503) is better than queuing
    /// forever.</summary>
    private const string LockTimeout = "SET LOCAL lock_timeout = '30s'";

    public async Task<IAsyncDisposable> AcquireAsync(IReadOnlyCollection<string> keys, CancellationToken ct)
    {
        var local = await stripes.AcquireAsync(keys, ct);
        NpgsqlConnection? connection = null;
        try
        {
            connection = new NpgsqlConnection(LockConnectionString(config.GetConnectionString("VoiceProxy")!));
            await connection.OpenAsync(ct);
            var tx = await connection.BeginTransactionAsync(ct);
            await using (var timeout = new NpgsqlCommand(LockTimeout, connection, tx))
                await timeout.ExecuteNonQueryAsync(ct);
            foreach (var id in keys.Select(LockId).Distinct().Order())
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, tx)
                {
                    Parameters = { new() { Value = id } },
                };
                await command.ExecuteNonQueryAsync(ct);
            }
            return new InProcessPlacementLocks.Held(local, connection);
        }
        catch
        {
            if (connection is not null) await connection.DisposeAsync();
            local.Dispose();
            throw;
        }
    }

    /// <summary>A stable 64-bit id per key (the first 8 bytes of its SHA-256): the same on every instance and every
    /// run.</summary>
    internal static long LockId(string key) => BitConverter.ToInt64(
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("voiceproxy|" + key)), 0);

    private static string LockConnectionString(string connection) =>
        new NpgsqlConnectionStringBuilder(connection) { ApplicationName = "voiceproxy-placement-locks" }.ConnectionString;
}
