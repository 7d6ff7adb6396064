using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Bulk;

public enum ScrubFormat { Csv, Ndjson }

/// <summary>One input row as read: the fields it gave, or why it could not be read.</summary>
internal sealed record ScrubLine(
    int Row, string? Phone, string? Purpose, string? State, string? TimeZone, string? Ref, string? Error = null);

/// <summary>
/// Reads a scrub's body as it arrives: one row a line (CSV after its header row, or NDJSON), blank lines skipped. Hands out
/// batches of rows: a batch ends when it is full or when no more of the body has arrived yet, so the first answers go
/// out while the client is still sending. Keeps the SHA-256 of every byte it consumed, and stops at the first row past
/// the limit without reading further.
/// </summary>
internal sealed class ScrubReader(PipeReader body, ScrubFormat format, int maxRows) : IDisposable
{
    /// <summary>Longer lines are a bad row each, skipped without being held in memory.</summary>
    public const int MaxLineBytes = 4096;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly string[] Columns = ["phone", "purpose", "state", "timezone", "ref"];

    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int[] _column = [];
    private bool _skipping, _done, _first = true;


    /// <summary>Rows read so far (the last one's number).</summary>
    public int Rows { get; private set; }
    /// <summary>A row past the limit arrived: reading stopped there.</summary>
    public bool TooMany { get; private set; }
    public bool Done => _done || TooMany;

    /// <summary>SHA-256 of the bytes read, as 64 hex digits.</summary>
    public string Sha256() => Convert.ToHexStringLower(_sha256.GetCurrentHash());

    /// <summary>CSV: reads the header row and finds the columns; the problem with it, or null.</summary>
    public async Task<string?> ReadHeaderAsync(CancellationToken ct)
    {
        if (format != ScrubFormat.Csv) return null;
        var header = await NextLineAsync(ct);
        if (header is null) return "The body is empty: a CSV scrub starts with a header row naming its columns (phone, …).";
        if (header.Error is not null) return $"The header row cannot be read: {header.Error}";
        var names = Csv.Split(header.Phone!)?.Select(n => n.Trim().ToLowerInvariant()).ToList();
        if (names is null) return "The header row has an unclosed quote.";
        if (names.GroupBy(n => n).FirstOrDefault(g => g.Key.Length > 0 && g.Count() > 1) is { } twice)
            return $"The header row names the column '{twice.Key}' twice.";
        _column = Columns.Select(c => names.IndexOf(c)).ToArray();
        return _column[0] < 0 ? "The header row has no 'phone' column (columns: phone, purpose, state, timeZone, ref)." : null;
    }

    /// <summary>Up to <paramref name="max"/> rows: fewer when the body ends, or when no more has arrived yet (never waits
    /// for more once it holds a row). Empty at the end.</summary>
    public async Task<List<ScrubLine>> ReadBatchAsync(int max, CancellationToken ct)
    {
        var batch = new List<ScrubLine>();
        while (batch.Count < max && !Done)
        {
            var line = batch.Count == 0 ? await NextLineAsync(ct) : NextLineIfArrived();
            if (line is null) break;
            if (Rows == maxRows)
            {
                TooMany = true;
                break;
            }
            Rows++;
            batch.Add(line.Error is null ? Parse(line.Phone!) : line with { Row = Rows });
        }
        return batch;
    }

    private ScrubLine Parse(string text)
    {
        if (format == ScrubFormat.Csv)
        {
            var cells = Csv.Split(text);
            if (cells is null) return new ScrubLine(Rows, null, null, null, null, null, "The row has an unclosed quote.");
            string? Cell(int i) => _column[i] >= 0 && _column[i] < cells.Count && cells[_column[i]].Trim() is { Length: > 0 } v
                ? v : null;
            return new ScrubLine(Rows, Cell(0), Cell(1), Cell(2), Cell(3), Cell(4));
        }
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
                return new ScrubLine(Rows, null, null, null, null, null, "Each line must be one JSON object.");
            string? bad = null;
            string? Field(string name)
            {
                if (!json.RootElement.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
                if (v.ValueKind == JsonValueKind.String) return v.GetString() is { Length: > 0 } s ? s : null;
                bad ??= $"'{name}' must be a string.";
                return null;
            }
            var line = new ScrubLine(Rows, Field("phone"), Field("purpose"), Field("state"), Field("timeZone"), Field("ref"));
            return bad is null ? line : line with { Error = bad };
        }
        catch (JsonException)
        {
            return new ScrubLine(Rows, null, null, null, null, null, "The line is not JSON.");
        }
    }

    /// <summary>The next non-blank line (its text in <see cref="ScrubLine.Phone"/>, or its problem), waiting for it to
    /// arrive; null at the end of the body.</summary>
    private async Task<ScrubLine?> NextLineAsync(CancellationToken ct)
    {
        while (true)
        {
            if (NextLineIfArrived() is { } line) return line;
            if (_done) return null;
            Hold(await body.ReadAsync(ct));
        }
    }

    /// <summary>The next line if the body already holds all of it, else null without waiting.</summary>
    private ScrubLine? NextLineIfArrived()
    {
        while (!_done)
        {
            if (!_holding)
            {
                if (!body.TryRead(out var result)) return null;
                Hold(result);
            }
            if (Take(ref _buffer, _completed, out var line))
            {
                if (line is not null) return line;
                continue;
            }
            Release();
            if (!_done) return null;
        }
        return null;
    }

    private ReadOnlySequence<byte> _buffer;
    private bool _holding, _completed;

    private void Hold(ReadResult result)
    {
        _buffer = result.Buffer;
        _completed = result.IsCompleted;
        _holding = true;
    }

    /// <summary>Hands back what was not consumed, all of it examined, so the next read waits for more.</summary>
    private void Release()
    {
        if (!_holding) return;
        body.AdvanceTo(_buffer.Start, _buffer.End);
        _holding = false;
        if (_completed) _done = true;
    }

    /// <summary>Takes one line off the front of <paramref name="buffer"/> when it is all there (or the body ended); a
    /// blank line comes back as null with true, so the caller goes on.</summary>
    private bool Take(ref ReadOnlySequence<byte> buffer, bool completed, out ScrubLine? line)
    {
        line = null;
        var end = buffer.PositionOf((byte)'\n');
        if (end is null)
        {
            if (buffer.Length > MaxLineBytes && !_skipping)
            {
                Consume(ref buffer, buffer.End);
                _skipping = true;
                line = new ScrubLine(0, null, null, null, null, null, $"The line is longer than {MaxLineBytes} bytes.");
                return true;
            }
            if (_skipping)
            {
                Consume(ref buffer, buffer.End);
                return !buffer.IsEmpty;
            }
            if (!completed || buffer.IsEmpty) return false;
            line = Decode(buffer);
            Consume(ref buffer, buffer.End);
            return true;
        }
        var content = buffer.Slice(0, end.Value);
        var next = buffer.GetPosition(1, end.Value);
        if (_skipping)
        {
            _skipping = false;
            Consume(ref buffer, next);
            return true;
        }
        line = content.Length > MaxLineBytes
            ? new ScrubLine(0, null, null, null, null, null, $"The line is longer than {MaxLineBytes} bytes.")
            : Decode(content);
        Consume(ref buffer, next);
        return true;
    }

    private void Consume(ref ReadOnlySequence<byte> buffer, SequencePosition to)
    {
        foreach (var segment in buffer.Slice(0, to)) _sha256.AppendData(segment.Span);
        buffer = buffer.Slice(to);
    }

    /// <summary>The line's text without its CR (and a byte-order mark on the first line); null when blank.</summary>
    private ScrubLine? Decode(ReadOnlySequence<byte> bytes)
    {
        string text;
        try
        {
            text = Utf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            _first = false;
            return new ScrubLine(0, null, null, null, null, null, "The line is not UTF-8 text.");
        }
        if (_first && text.StartsWith('\uFEFF')) text = text[1..];
        _first = false;
        text = text.TrimEnd('\r');
        return string.IsNullOrWhiteSpace(text) ? null : new ScrubLine(0, text, null, null, null, null);
    }

    public void Dispose()
    {
        Release();
        _sha256.Dispose();
    }
}
