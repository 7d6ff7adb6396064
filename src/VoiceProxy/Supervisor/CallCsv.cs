using System.Globalization;
using System.Text;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Supervisor;

/// <summary>Calls as RFC 4180 CSV (CRLF, quotes doubled), written row by row as they are read.</summary>
internal static class CallCsv
{
    public static readonly string[] Header =
    [
        "id", "requested_at", "seller", "to", "from", "purpose", "template", "language", "allowed", "reasons", "status",
        "answered_by", "duration_seconds", "opted_out", "twilio_call_sid", "updated_at", "jurisdiction",
    ];

    private const int FlushAt = 32 * 1024;

    public static async Task WriteAsync(Stream body, IAsyncEnumerable<CallRow> rows, CancellationToken ct)
    {
        await using var writer = new StreamWriter(body, new UTF8Encoding(false), 64 * 1024);
        var line = new StringBuilder(FlushAt + 4096);
        Csv.AppendRow(line, Header);
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
            cells[16] = r.Jurisdiction;
            Csv.AppendRow(line, cells);
            if (line.Length < FlushAt) continue;
            await writer.WriteAsync(line, ct);
            line.Clear();
        }
        await writer.WriteAsync(line, ct);
        await writer.FlushAsync(ct);
    }

    private static string Instant(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
