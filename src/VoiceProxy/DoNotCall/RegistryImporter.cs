namespace VoiceProxy.DoNotCall;

public enum ImportMode { Full, Add, Remove }

public sealed record ImportResult(SnapshotHeader Header, long LinesRead, long BadLines, IReadOnlyList<long> FirstBadLines);

/// <summary>Reads registry files (one number per line: ten digits or NPA,NXXXXXX, optional leading 1 or +1) into a snapshot.</summary>
public static class RegistryImporter
{
    public const double MaxBadFraction = 0.01;

    public static ImportResult Import(string folder, string list, ImportMode mode, IReadOnlyList<string> files, DateOnly asOf,
        TimeProvider time, IProgress<(long Done, long Total)>? progress = null)
    {
        if (!RegistryLists.IsValid(list)) throw new ArgumentException($"Unknown list '{list}': use national or state:XX.");
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, RegistryLists.FileName(list));
        var existing = mode == ImportMode.Full ? null
            : File.Exists(target) ? RegistrySnapshot.Read(target)
            : throw new InvalidOperationException($"There is no {list} snapshot to apply a change list to; import a full list first.");

        var total = files.Sum(f => new FileInfo(f).Length);
        long done = 0, lines = 0, bad = 0;
        var firstBad = new List<long>();
        var read = new List<long>();
        foreach (var file in files)
        {
            using var reader = new StreamReader(file);
            for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
            {
                lines++;
                done += line.Length + 1;
                if (line.Trim().Length == 0) continue;
                if (TryParse(line, out var number)) read.Add(number);
                else if (++bad <= 10) firstBad.Add(lines);
                if ((lines & 0xFFFF) == 0) progress?.Report((done, total));
            }
        }
        progress?.Report((total, total));
        if (bad > MaxBadFraction * Math.Max(1, lines))
            throw new InvalidDataException($"{bad} of {lines} lines are not phone numbers (first at lines {string.Join(", ", firstBad)}); more than 1%, nothing imported.");

        var numbers = Merge(existing?.Numbers ?? [], read, mode);
        var sources = (existing?.Header.Sources ?? []).Concat(files.Select(f =>
            new SnapshotSource(Path.GetFileName(f), RegistrySnapshot.HashFile(f), mode.ToString().ToLowerInvariant()))).ToList();
        var header = new SnapshotHeader(RegistrySnapshot.CurrentVersion, list, asOf, numbers.Length, time.GetUtcNow(), sources);
        new RegistrySnapshot(header, numbers).WriteAtomically(target);
        return new ImportResult(header, lines, bad, firstBad);
    }

    private static long[] Merge(long[] existing, List<long> read, ImportMode mode)
    {
        read.Sort();
        var change = read.Distinct().ToArray();
        return mode switch
        {
            ImportMode.Full => change,
            ImportMode.Add => existing.Concat(change).Distinct().Order().ToArray(),
            _ => existing.Where(n => Array.BinarySearch(change, n) < 0).ToArray(),
        };
    }

    /// <summary>Ten digits, or NPA,NXXXXXX; an optional leading 1 or +1; surrounding spaces ignored.</summary>
    public static bool TryParse(ReadOnlySpan<char> line, out long number)
    {
        number = 0;
        Span<char> digits = stackalloc char[11];
        var n = 0;
        var text = line.Trim();
        var plus = text.StartsWith("+");
        if (plus) text = text[1..];
        var commas = 0;
        foreach (var ch in text)
        {
            if (ch == ',' && n == (digits[0] == '1' ? 4 : 3) && commas++ == 0) continue;
            if (!char.IsAsciiDigit(ch) || n == 11) return false;
            digits[n++] = ch;
        }
        var ten = n == 11 && digits[0] == '1' ? digits[1..11] : n == 10 && !plus ? digits[..10] : default;
        if (ten.Length != 10 || ten[0] < '2' || ten[3] < '2') return false;
        number = long.Parse(ten);
        return true;
    }
}
