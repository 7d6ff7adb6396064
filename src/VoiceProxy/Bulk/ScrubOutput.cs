using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Bulk;

/// <summary>Scrub answers as NDJSON (one object a line) or RFC 4180 CSV with a header row.</summary>
internal sealed class ScrubOutput(ScrubFormat format)
{
    public static readonly string[] CsvHeader = ["row", "ref", "phone", "allowed", "reasons", "next_allowed_at", "error"];

    private readonly StringBuilder _csv = new();
    private readonly string?[] _cells = new string?[CsvHeader.Length];

    public string ContentType => format == ScrubFormat.Csv ? "text/csv; charset=utf-8" : "application/x-ndjson";

    public void WriteHeader(IBufferWriter<byte> output)
    {
        if (format != ScrubFormat.Csv) return;
        Csv.AppendRow(_csv, CsvHeader);
        Flush(output);
    }

    public void Write(IBufferWriter<byte> output, IEnumerable<ScrubResult> results)
    {
        if (format == ScrubFormat.Csv)
        {
            foreach (var r in results) AppendCsv(r);
            Flush(output);
            return;
        }
        using var json = new Utf8JsonWriter(output);
        foreach (var r in results)
        {
            json.WriteStartObject();
            json.WriteNumber("row", r.Row);
            if (r.Error is not null)
            {
                if (r.Ref is not null) json.WriteString("ref", r.Ref);
                json.WriteString("error", r.Error);
            }
            else
            {
                json.WriteString("ref", r.Ref);
                json.WriteString("phone", r.Phone);
                json.WriteBoolean("allowed", r.Allowed);
                json.WriteStartArray("reasons");
                foreach (var code in r.Reasons) json.WriteStringValue(code);
                json.WriteEndArray();
                if (r.NextAllowedAt is { } next) json.WriteString("nextAllowedAt", next);
                else json.WriteNull("nextAllowedAt");
                // Whose rules decided (US or CA); the CSV form keeps its columns.
                if (r.Jurisdiction is { } jurisdiction) json.WriteString("jurisdiction", jurisdiction);
            }
            json.WriteEndObject();
            json.Flush();
            output.Write("\n"u8);
            json.Reset();
        }
    }

    /// <summary>The last line when more rows came than a scrub may have: what was answered stands, the rest was not
    /// read.</summary>
    public void WriteCut(IBufferWriter<byte> output, int row, int limit) => Write(output,
        [new ScrubResult(row, null, null, false, [], null,
            $"More than {limit.ToString("N0", CultureInfo.InvariantCulture)} rows: this row and the rest of the body were " +
            "not read (413). The rows above were answered.")]);

    private void AppendCsv(ScrubResult r)
    {
        _cells[0] = r.Row.ToString(CultureInfo.InvariantCulture);
        _cells[1] = r.Ref;
        _cells[2] = r.Error is null ? r.Phone : null;
        _cells[3] = r.Error is null ? (r.Allowed ? "true" : "false") : null;
        _cells[4] = string.Join(';', r.Reasons);
        _cells[5] = r.NextAllowedAt?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        _cells[6] = r.Error;
        Csv.AppendRow(_csv, _cells);
    }

    private void Flush(IBufferWriter<byte> output)
    {
        foreach (var chunk in _csv.GetChunks())
        {
            var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(chunk.Length));
            output.Advance(Encoding.UTF8.GetBytes(chunk.Span, span));
        }
        _csv.Clear();
    }
}
