using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using VoiceProxy.Audit;
using VoiceProxy.Data;

namespace VoiceProxy.Tests.Audit;

/// <summary>What someone with write access to the database (but not the audit key) can do to the audit tables: switch off
/// the triggers that refuse it, then change rows with plain SQL. The statements quote names so both providers take them.
/// </summary>
internal static class AuditTampering
{
    private static readonly string[] SqliteTriggers =
        ["audit_events_no_delete", "audit_events_seal_once", "audit_seals_no_update", "audit_seals_no_delete"];

    private static readonly string[] PostgresTriggersOff =
        ["ALTER TABLE audit_events DISABLE TRIGGER USER", "ALTER TABLE audit_seals DISABLE TRIGGER USER"];

    /// <summary>Runs <paramref name="statements"/> on the SQLite file, after dropping the audit triggers.</summary>
    public static void Sqlite(string databaseFile, params string[] statements)
    {
        using var connection = new SqliteConnection($"Data Source={databaseFile};Pooling=False");
        connection.Open();
        Run(connection, SqliteTriggers.Select(t => $"DROP TRIGGER IF EXISTS {t}").Concat(statements));
    }

    /// <summary>Runs <paramref name="statements"/> on the store under test (either provider), its audit triggers off.</summary>
    public static void Store(StoreUnderTest store, params string[] statements)
    {
        if (store.ConnectionString is null)
        {
            Sqlite(Path.Combine(store.App.Folder, "voiceproxy.db"), statements);
            return;
        }
        using var connection = new NpgsqlConnection(store.ConnectionString);
        connection.Open();
        Run(connection, PostgresTriggersOff.Concat(statements));
    }

    /// <summary>Replaces the payload of event <paramref name="id"/> and recomputes its hash and every later one, and the seals'
    /// heads, with <paramref name="mac"/> (plain SHA-256, or a key that is not the service's): the forgery an attacker
    /// without the audit key can make.</summary>
    public static string[] EditAndRehash(VoiceProxyDb db, long id, Func<string, string> edit, Func<byte[], string> mac)
    {
        var events = db.AuditEvents.AsNoTracking().Where(e => e.Position != null).OrderBy(e => e.Position).ToList();
        var statements = new List<string>();
        string? previous = null;
        var from = events.FindIndex(e => e.Id == id);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (i < from) { previous = e.Hash; continue; }
            var changed = new AuditEvent
            {
                Id = e.Id, Position = e.Position, At = e.At, Type = e.Type, Actor = e.Actor, Seller = e.Seller,
                Subject = e.Subject, PayloadJson = i == from ? edit(e.PayloadJson) : e.PayloadJson,
            };
            var hash = mac(AuditChain.Canonical(changed, previous ?? AuditChain.Genesis));
            statements.Add($"UPDATE audit_events SET \"PayloadJson\" = {Quote(changed.PayloadJson)}, "
                + $"\"PreviousHash\" = {Quote(previous ?? AuditChain.Genesis)}, \"Hash\" = {Quote(hash)} WHERE \"Id\" = {e.Id}");
            statements.Add($"UPDATE audit_seals SET \"HeadHash\" = {Quote(hash)} WHERE \"LastPosition\" = {e.Position}");
            previous = hash;
        }
        return [.. statements];
    }

    /// <summary>Drops every event after chain position <paramref name="keep"/> and rolls the seal records back to match, so
    /// that the chain and its seals agree again.</summary>
    public static string[] TruncateTo(long keep) =>
    [
        $"DELETE FROM audit_seals WHERE \"FirstPosition\" > {keep}",
        $"UPDATE audit_seals SET \"LastPosition\" = {keep}, \"HeadHash\" = "
            + $"(SELECT \"Hash\" FROM audit_events WHERE \"Position\" = {keep}) WHERE \"LastPosition\" > {keep}",
        $"DELETE FROM audit_events WHERE \"Position\" > {keep}",
    ];

    /// <summary>Runs one statement as written (no placeholders) on <paramref name="db"/>'s connection.</summary>
    public static void Execute(DbContext db, string sql)
    {
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open) connection.Open();
        Run(connection, [sql]);
    }

    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static void Run(DbConnection connection, IEnumerable<string> statements)
    {
        foreach (var sql in statements)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }
}
