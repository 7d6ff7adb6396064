using System.Globalization;

namespace VoiceProxy.Tests.DoNotCall;

/// <summary>A temporary folder of made-up registry files, seeded so a failing case repeats. The large-scale generator lives in
/// tests/VoiceProxy.Benchmarks; tests need thousands of numbers, which this writes directly.</summary>
public sealed class RegistryFiles : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("voiceproxy-registry-").FullName;
    public string Snapshots => Path.Combine(Root, "snapshots");

    /// <summary><paramref name="count"/> distinct valid numbers in a few area codes, in random order.</summary>
    public static long[] Numbers(int count, int seed, params int[] areas)
    {
        var random = new Random(seed);
        areas = areas.Length > 0 ? areas : [202, 303, 415, 512, 917];
        var numbers = new HashSet<long>();
        while (numbers.Count < count)
            numbers.Add(areas[random.Next(areas.Length)] * 10_000_000L + random.Next(200, 1000) * 10_000L + random.Next(10_000));
        return [.. numbers];
    }

    /// <summary>Writes the numbers one a line in any of the accepted forms (ten digits, NPA,NXXXXXX, 1 or +1 prefix).</summary>
    public string Write(string name, IEnumerable<long> numbers, int seed = 1, bool mixed = true, string newline = "\n") =>
        WriteLines(name, numbers.Select((n, i) => Format(n, mixed ? (i * 7 + seed) % 4 : 0)), newline);

    public string WriteLines(string name, IEnumerable<string> lines, string newline = "\n")
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, string.Concat(lines.Select(l => l + newline)));
        return path;
    }

    public static string Format(long number, int style)
    {
        var ten = number.ToString(CultureInfo.InvariantCulture);
        return style switch
        {
            1 => ten[..3] + "," + ten[3..],
            2 => "1" + ten,
            3 => "+1" + ten,
            _ => ten,
        };
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
