using System.Data;

namespace VoiceProxy.Data;

/// <summary>The two updates of a call record that run in the group commit for every placed call and every status callback,
/// as prepared statements.</summary>
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

    /// <summary>Twilio's answer to the create-call request: a status a callback already recorded is newer than ours, so only a
    /// queued call takes it, and the SID is kept if a callback brought it first. Returns what is stored after.</summary>
    private static readonly string TwilioAnswerSql =
        $"UPDATE calls SET \"Status\" = CASE WHEN \"Status\" = '{CallStatus.Queued}' THEN @status ELSE \"Status\" END, " +
        "\"TwilioCallSid\" = COALESCE(\"TwilioCallSid\", @sid), \"UpdatedAt\" = @now " +
        "WHERE \"Id\" = @id RETURNING \"Status\", \"TwilioCallSid\"";

    public static async Task<int> ApplyStatusIfNewerAsync(
        VoiceProxyDb w, string callId, string status, int? sequence, int? duration, string? answeredBy, DateTimeOffset now)
    {
        await using var command = w.Command(ApplyIfNewerSql);
        command.Parameter("@id", DbType.String, callId);
        command.Parameter("@status", DbType.String, status);
        command.Parameter("@sequence", DbType.Int32, sequence);
        command.Parameter("@duration", DbType.Int32, duration);
        command.Parameter("@answeredBy", DbType.String, answeredBy);
        command.Parameter("@final", DbType.Int32, CallStatus.IsTerminal(status) ? 1 : 0);
        command.Instant(w, "@now", now);
        return await command.ExecuteNonQueryAsync();
    }

    public static async Task<(string Status, string? Sid)> RecordTwilioAnswerAsync(
        VoiceProxyDb w, string callId, string status, string? sid, DateTimeOffset now)
    {
        await using var command = w.Command(TwilioAnswerSql);
        command.Parameter("@id", DbType.String, callId);
        command.Parameter("@status", DbType.String, status);
        command.Parameter("@sid", DbType.String, sid);
        command.Instant(w, "@now", now);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) throw new InvalidOperationException($"Call {callId} is not in the store.");
        return (reader.GetString(0), await reader.IsDBNullAsync(1) ? null : reader.GetString(1));
    }
}
