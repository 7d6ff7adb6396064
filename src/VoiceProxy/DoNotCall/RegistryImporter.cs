using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;

namespace VoiceProxy.DoNotCall;

public enum ImportMode { Full, Add, Remove }

public sealed record ImportResult(SnapshotHeader Header, long LinesRead, long BadLines, IReadOnlyList<long> FirstBadLines);

/// <summary>Where an import is: <see cref="Reading"/> counts bytes of the source files, <see cref="Writing"/> bytes of the
/// snapshot.</summary>
public readonly record struct ImportProgress(string Phase, long Done, long Total, long Numbers)
{
    public const string Reading = "reading";
    public const string Writing = "writing";
}

/// <summary>Reads registry files (one number per line: ten digits or NPA,NXXXXXX, optional leading 1 or +1) into a snapshot.
/// Files are parsed as bytes, several at once (the FTC ships one file per area code), into a bit per possible number,
/// which also removes duplicates and applies change lists without sorting.</summary>
public static class RegistryImporter
{
    public const double MaxBadFraction = 0.01;
    private const int MaxReportedBadLines = 10;
    private const int ChunkBytes = 1 << 20;
    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    public static ImportResult Import(string folder, string list, ImportMode mode, IReadOnlyList<string> files, DateOnly asOf,
        TimeProvider time, IProgress<ImportProgress>? progress = null)
    {
        if (!RegistryLists.IsValid(list))
            throw new ArgumentException($"Unknown list '{list}': use national, national:CA or state:XX.");
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, RegistryLists.FileName(list));
        if (mode != ImportMode.Full && !File.Exists(target))
            throw new InvalidOperationException(
                $"There is no {list} snapshot to apply a change list to; import a full list first.");

        var parsed = new NumberSet();
        var scans = ScanAll(files, parsed, progress);

        // Bad lines are numbered across all files, in the order given, as if they were one file.
        long lines = 0, bad = 0;
        var firstBad = new List<long>();
        foreach (var scan in scans)
        {
            firstBad.AddRange(scan.FirstBad.Take(MaxReportedBadLines - firstBad.Count).Select(b => lines + b));
            lines += scan.Lines;
            bad += scan.Bad;
        }
        if (bad > MaxBadFraction * Math.Max(1, lines))
            throw new InvalidDataException($"{bad} of {lines} lines are not phone numbers " +
                $"(first at lines {string.Join(", ", firstBad)}); more than 1%, nothing imported.");

        var result = parsed;
        IReadOnlyList<SnapshotSource> previousSources = [];
        if (mode != ImportMode.Full)
        {
            using var existing = RegistrySnapshot.Map(target);
            previousSources = existing.Header.Sources;
            if (mode == ImportMode.Add)
            {
                existing.CopyTo(parsed);
            }
            else
            {
                result = new NumberSet();
                existing.CopyTo(result);
                result.ExceptWith(parsed);
            }
        }

        var kind = mode.ToString().ToLowerInvariant();
        var sources = previousSources
            .Concat(files.Select((f, i) => new SnapshotSource(Path.GetFileName(f), scans[i].Sha256, kind)))
            .ToList();
        var header = SnapshotWriter.Write(target, result,
            count => new SnapshotHeader(RegistrySnapshot.CurrentVersion, list, asOf, count, time.GetUtcNow(), sources), progress);
        return new ImportResult(header, lines, bad, firstBad);
    }

    /// <summary>Ten digits, or NPA,NXXXXXX; an optional leading 1 or +1; surrounding spaces ignored.</summary>
    public static bool TryParse(ReadOnlySpan<char> line, out long number)
    {
        number = 0;
        Span<char> digits = stackalloc char[11];
        var n = 0;
        var text = line.Trim();
        if (text.StartsWith("+")) text = text[1..];
        var commas = 0;
        foreach (var ch in text)
        {
            if (ch == ',' && n == (digits[0] == '1' ? 4 : 3) && commas++ == 0) continue;
            if (!char.IsAsciiDigit(ch) || n == 11) return false;
            digits[n++] = ch;
        }
        var ten = n == 11 && digits[0] == '1' ? digits[1..11] : n == 10 ? digits[..10] : default;
        if (ten.Length != 10 || ten[0] < '2' || ten[3] < '2') return false;
        number = long.Parse(ten, CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>The same rules as the text overload, on the raw bytes of a line (ASCII whitespace trimmed).</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out long number) => Classify(line, out number) == LineKind.Number;

    internal enum LineKind { Number, Blank, Bad }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs once per import: tiered JIT would spend it in unoptimized code
    internal static LineKind Classify(ReadOnlySpan<byte> line, out long number)
    {
        number = 0;
        var text = line.Trim(" \t\r\n\v\f"u8);
        if (text.IsEmpty) return LineKind.Blank;
        if (text[0] == (byte)'+') text = text[1..];
        long value = 0;
        var n = 0;
        var comma = false;
        byte first = 0;
        foreach (var b in text)
        {
            if (b == (byte)',' && !comma && n == (first == (byte)'1' ? 4 : 3))
            {
                comma = true;
                continue;
            }
            var digit = (uint)(b - '0');
            if (digit > 9 || n == 11) return LineKind.Bad;
            if (n++ == 0) first = b;
            value = value * 10 + digit;
        }
        if (n == 11)
        {
            if (first != (byte)'1') return LineKind.Bad;
            value -= 10_000_000_000;
        }
        else if (n != 10)
        {
            return LineKind.Bad;
        }
        if (value / 1_000_000_000 < 2 || value / 1_000_000 % 10 < 2) return LineKind.Bad;
        number = value;
        return LineKind.Number;
    }

    private sealed record FileScan(long Lines, long Bad, IReadOnlyList<long> FirstBad, string Sha256);

    private sealed class Counters(long total, IProgress<ImportProgress>? progress)
    {
        private long _bytes;
        private long _numbers;

        public void Add(long bytes, long numbers) =>
            progress?.Report(new ImportProgress(
                ImportProgress.Reading, Interlocked.Add(ref _bytes, bytes), total, Interlocked.Add(ref _numbers, numbers)));
    }

    private static FileScan[] ScanAll(IReadOnlyList<string> files, NumberSet set, IProgress<ImportProgress>? progress)
    {
        var counters = new Counters(files.Sum(f => new FileInfo(f).Length), progress);
        var scans = new FileScan[files.Count];
        try
        {
            Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                i => scans[i] = Scan(files[i], set, counters));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // The CLI reports an IOException as a one-line error; keep it an IOException, not a wrapper.
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
        return scans;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs once per import: tiered JIT would spend it in unoptimized code
    private static FileScan Scan(string path, NumberSet set, Counters counters)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        long offset = 0, lines = 0, bad = 0;
        var firstBad = new List<long>(MaxReportedBadLines);
        var carry = 0;
        var overlong = false;
        try
        {
            while (true)
            {
                var read = RandomAccess.Read(handle, buffer.AsSpan(carry, ChunkBytes - carry), offset);
                hash.AppendData(buffer.AsSpan(carry, read));
                var data = buffer.AsSpan(0, carry + read);
                if (offset == 0 && data.StartsWith(Bom)) data = data[3..];
                offset += read;
                long numbers = 0;
                if (read == 0)
                {
                    if (!data.IsEmpty || overlong) Line(overlong ? "x"u8 : data);
                    counters.Add(0, numbers);
                    break;
                }
                var whole = data.Length;
                for (var end = data.IndexOf((byte)'\n'); end >= 0; end = data.IndexOf((byte)'\n'))
                {
                    // A line longer than the buffer is bad whatever it holds; its first part was dropped already.
                    Line(overlong ? "x"u8 : data[..end]);
                    overlong = false;
                    data = data[(end + 1)..];
                }
                overlong |= data.Length == whole && whole == ChunkBytes;
                carry = overlong ? 0 : data.Length;
                data[..carry].CopyTo(buffer);
                counters.Add(read, numbers);

                void Line(ReadOnlySpan<byte> line)
                {
                    lines++;
                    switch (Classify(line, out var number))
                    {
                        case LineKind.Number:
                            NumberBlocks.TrySplit(number, out var block, out var digits);
                            set.Add(block, digits);
                            numbers++;
                            break;
                        case LineKind.Bad:
                            if (++bad <= MaxReportedBadLines) firstBad.Add(lines);
                            break;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return new FileScan(lines, bad, firstBad, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}
