using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace VoiceProxy.Data;

/// <summary>The status callback's update as one prepared statement. It runs inside the group commit for every callback, where
/// EF's LINQ <c>ExecuteUpdate</c> pipeline was most of the single writer's time; the SQL is the same on both providers.</summary>
internal static class CallUpdates
{
    private static readonly string Terminal = string.Join(", ", CallStatus.Terminal.Select(s => $"'{s}'"));

    /// <summary>Newer by SequenceNumber (or, without one, anything over a non-final status), and a final status never
    /// replaced by a non-final one: one conditional statement, so two deliveries at once (here or on another instance) can
    /// never let the older one win.</summary>
    private static readonly string ApplyIfNewerSql =
        "UPDATE calls SET \"Status\" = @status, \"LastSequenceNumber\" = COALESCE(@sequence, \"LastSequenceNumber\"), " +
        "\"DurationSeconds\" = COALESCE(@duration, \"DurationSeconds\"), " +
        "\"AnsweredBy\" = COALESCE(@answeredBy, \"AnsweredBy\"), " +
        "\"UpdatedAt\" = @now " +
        $"WHERE \"Id\" = @id AND (@final = 1 OR \"Status\" NOT IN ({Terminal})) " +
        $"AND (CASE WHEN @sequence IS NULL THEN \"Status\" NOT IN ({Terminal}) ELSE \"LastSequenceNumber\" < @sequence END)";

    public static async Task<int> ApplyStatusIfNewerAsync(
        VoiceProxyDb w, string callId, string status, int? sequence, int? duration, string? answeredBy, DateTimeOffset now)
    {
        await using var command = w.Database.GetDbConnection().CreateCommand();
        command.Transaction = w.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = ApplyIfNewerSql;
        Add(command, "@id", DbType.String, callId);
        Add(command, "@status", DbType.String, status);
        Add(command, "@sequence", DbType.Int32, sequence);
        Add(command, "@duration", DbType.Int32, duration);
        Add(command, "@answeredBy", DbType.String, answeredBy);
        Add(command, "@final", DbType.Int32, CallStatus.IsTerminal(status) ? 1 : 0);
        // Stored as the model stores instants: UTC ticks on SQLite, timestamptz on PostgreSQL.
        if (w.Database.IsSqlite()) Add(command, "@now", DbType.Int64, now.UtcTicks);
        else Add(command, "@now", DbType.DateTimeOffset, now.ToUniversalTime());
        return await command.ExecuteNonQueryAsync();
    }

    private static void Add(DbCommand command, string name, DbType type, object? value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.DbType = type;
        p.Value = value ?? DBNull.Value;
        command.Parameters.Add(p);
    }
}
