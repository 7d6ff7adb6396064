using System.Globalization;

namespace VoiceProxy.Benchmarks;

/// <summary>Writes made-up registry files in the FTC's layout: one file per area code, one ten-digit number per line,
/// ascending. The same seed, count and area count give the same bytes on any machine and any number of threads: each
/// area code draws from its own generator, seeded from the run's seed and the area code.</summary>
internal sealed class RegistryDataGenerator(long count, int areas, ulong seed, bool mixedFormats = false)
{
    private const int NumbersPerArea = 800 * 10_000; // NXX 200-999 x line 0000-9999

    /// <summary>The area codes used: a seeded choice among 200-999, skipping N11 service codes.</summary>
    public IReadOnlyList<int> AreaCodes { get; } = ChooseAreas(areas, seed);

    /// <summary>Checked when the generator is made, after the area count, so a wrong argument is named as such.</summary>
    private readonly long _count = count <= (long)areas * NumbersPerArea
        ? count
        : throw new ArgumentOutOfRangeException(nameof(count), "more numbers than the area codes hold");

    public IReadOnlyList<string> Write(string folder)
    {
        Directory.CreateDirectory(folder);
        var files = AreaCodes.Select(npa => Path.Combine(folder, npa.ToString(CultureInfo.InvariantCulture) + ".txt")).ToArray();
        Parallel.For(0, AreaCodes.Count, i => WriteArea(files[i], AreaCodes[i], _count / areas + (i < _count % areas ? 1 : 0)));
        return files;
    }

    private void WriteArea(string path, int npa, long wanted)
    {
        var random = new SplitMix64(seed * 1_000_003 + (ulong)npa);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var line = new byte[16];
        var left = wanted;
        // Selection sampling (Knuth's algorithm S): exactly `wanted` of the area's numbers, in ascending order, in one pass.
        for (long candidate = 0; candidate < NumbersPerArea && left > 0; candidate++)
        {
            var remaining = (ulong)(NumbersPerArea - candidate);
            if ((ulong)(((UInt128)random.Next() * remaining) >> 64) >= (ulong)left) continue;
            left--;
            var number = (long)npa * 10_000_000 + (candidate / 10_000 + 200) * 10_000 + candidate % 10_000;
            file.Write(line, 0, Format(number, line, mixedFormats ? (int)(random.Next() % 4) : 0));
        }
    }

    /// <summary>Plain ten digits; in mixed mode also NPA,NXXXXXX, 1 + ten digits and +1 + ten digits (all accepted by
    /// api.md).</summary>
    private static int Format(long number, byte[] line, int style)
    {
        var n = 0;
        if (style == 2) line[n++] = (byte)'1';
        if (style == 3) { line[n++] = (byte)'+'; line[n++] = (byte)'1'; }
        var digits = n;
        for (var i = 9; i >= 0; i--, number /= 10) line[digits + i] = (byte)('0' + number % 10);
        n += 10;
        if (style == 1)
        {
            Array.Copy(line, digits + 3, line, digits + 4, 7);
            line[digits + 3] = (byte)',';
            n++;
        }
        line[n++] = (byte)'\n';
        return n;
    }

    private static int[] ChooseAreas(int areas, ulong seed)
    {
        var candidates = Enumerable.Range(200, 800).Where(npa => npa % 100 != 11).ToArray();
        if (areas < 1 || areas > candidates.Length)
            throw new ArgumentOutOfRangeException(nameof(areas), $"between 1 and {candidates.Length}");
        var random = new SplitMix64(seed);
        for (var i = candidates.Length - 1; i > 0; i--)
        {
            var j = (int)(random.Next() % (ulong)(i + 1));
            (candidates[i], candidates[j]) = (candidates[j], candidates[i]);
        }
        return candidates[..areas].Order().ToArray();
    }
}

/// <summary>A small, fast generator whose sequence is fixed by its seed (System.Random's is not promised across
/// versions).</summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
