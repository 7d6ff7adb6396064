using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace VoiceProxy.Data;

/// <summary>Prepared statements for the few writes the group commit runs so often that EF's query pipeline would be most of
/// the single writer's time. The SQL is the same on both providers.</summary>
internal static class Commands
{
    /// <summary>A command on the store's connection, inside its current transaction (a unit of the group commit).</summary>
    public static DbCommand Command(this VoiceProxyDb db, string sql)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = sql;
        return command;
    }

    public static DbParameter Parameter(this DbCommand command, string name, DbType type, object? value = null)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.DbType = type;
        p.Value = value ?? DBNull.Value;
        command.Parameters.Add(p);
        return p;
    }

    /// <summary>An instant as the model stores it: UTC ticks on SQLite, timestamptz on PostgreSQL.</summary>
    public static DbParameter Instant(this DbCommand command, VoiceProxyDb db, string name, DateTimeOffset at) =>
        db.Database.IsSqlite()
            ? command.Parameter(name, DbType.Int64, at.UtcTicks)
            : command.Parameter(name, DbType.DateTimeOffset, at.ToUniversalTime());
}
