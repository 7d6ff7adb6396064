using System.Globalization;
using System.Text;

namespace VoiceProxy.Supervisor;

/// <summary>Calls as RFC 4180 CSV (CRLF, quotes doubled), written row by row as they are read.</summary>
internal static class CallCsv
{
    public static readonly string[] Header =
    [
        "id", "requested_at", "seller", "to", "from", "purpose", "template", "language", "allowed", "reasons", "status",
        "answered_by", "duration_seconds", "opted_out", "twilio_call_sid", "updated_at",
    ];

    private const int FlushAt = 32 * 1024;

    public static async Task WriteAsync(Stream body, IAsyncEnumerable<CallRow> rows, CancellationToken ct)
    {
        await using var writer = new StreamWriter(body, new UTF8Encoding(false), 64 * 1024);
        var line = new StringBuilder(FlushAt + 4096);
        AppendRow(line, Header);
        var cells = new string?[Header.Length];
        await foreach (var r in rows.WithCancellation(ct))
        {
            cells[0] = r.Id;
            cells[1] = Instant(r.RequestedAt);
            cells[2] = r.Seller;
            cells[3] = r.To;
            cells[4] = r.From;
            cells[5] = r.Purpose;
            cells[6] = r.Template;
            cells[7] = r.Language;
            cells[8] = r.Allowed ? "true" : "false";
            cells[9] = string.Join(';', ReviewApi.Split(r.ReasonCodes));
            cells[10] = r.Status;
            cells[11] = r.AnsweredBy;
            cells[12] = r.DurationSeconds?.ToString(CultureInfo.InvariantCulture);
            cells[13] = r.OptedOut ? "true" : "false";
            cells[14] = r.TwilioCallSid;
            cells[15] = Instant(r.UpdatedAt);
            AppendRow(line, cells);
            if (line.Length < FlushAt) continue;
            await writer.WriteAsync(line, ct);
            line.Clear();
        }
        await writer.WriteAsync(line, ct);
        await writer.FlushAsync(ct);
    }

    public static void AppendRow(StringBuilder line, IReadOnlyList<string?> cells)
    {
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0) line.Append(',');
            AppendCell(line, cells[i]);
        }
        line.Append("\r\n");
    }

    /// <summary>
    /// A cell a spreadsheet would take for a formula (starting with =, +, -, @, or a tab or carriage return that
    /// some programs skip before one) gets a leading apostrophe, as OWASP advises; then RFC 4180 quoting.
    /// E.164 numbers start with + and so are written '+14155550123: a spreadsheet shows them as text, not a sum.
    /// </summary>
    public static void AppendCell(StringBuilder line, string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        var neutralise = value[0] is '=' or '+' or '-' or '@' or '\t' or '\r';
        var quote = value.AsSpan().IndexOfAny(",\"\r\n") >= 0;
        if (quote) line.Append('"');
        if (neutralise) line.Append('\'');
        if (quote) line.Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        else line.Append(value);
    }

    private static string Instant(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
