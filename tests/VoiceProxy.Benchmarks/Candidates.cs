namespace VoiceProxy.Benchmarks;

/// <summary>The structures the snapshot layout was chosen against, built in memory from the same numbers.
/// Each answers exactly what the snapshot answers; only size and speed differ.</summary>
internal interface ICandidate
{
    string Name { get; }
    long Bytes { get; }
    bool Contains(long number);
}

/// <summary>One bit for every number of each area code in the list: 8,000,000 bits (1 MB) per NPA, whatever its count.</summary>
internal sealed class DenseAreaBitmaps : ICandidate
{
    private readonly ulong[]?[] _areas = new ulong[]?[1000];

    public DenseAreaBitmaps(ReadOnlySpan<long> sorted)
    {
        foreach (var number in sorted)
        {
            var npa = (int)(number / 10_000_000);
            var bit = (int)(number % 10_000_000) - 2_000_000;
            (_areas[npa] ??= new ulong[8_000_000 / 64])[bit >> 6] |= 1UL << bit;
        }
    }

    public string Name => "dense bitmap per NPA";
    public long Bytes => _areas.Sum(a => a is null ? 0L : a.Length * 8L);

    public bool Contains(long number)
    {
        var npa = (int)(number / 10_000_000);
        var bit = (int)(number % 10_000_000) - 2_000_000;
        return bit >= 0 && _areas[npa] is { } area && (area[bit >> 6] & (1UL << bit)) != 0;
    }
}

/// <summary>The last seven digits as a sorted uint32 array per NPA, binary searched: 4 bytes a number.</summary>
internal sealed class SortedAreaArrays : ICandidate
{
    private readonly uint[]?[] _areas = new uint[]?[1000];

    public SortedAreaArrays(ReadOnlySpan<long> sorted)
    {
        var start = 0;
        while (start < sorted.Length)
        {
            var npa = sorted[start] / 10_000_000;
            var end = start;
            while (end < sorted.Length && sorted[end] / 10_000_000 == npa) end++;
            var area = new uint[end - start];
            for (var i = start; i < end; i++) area[i - start] = (uint)(sorted[i] % 10_000_000);
            _areas[npa] = area;
            start = end;
        }
    }

    public string Name => "sorted uint32 per NPA";
    public long Bytes => _areas.Sum(a => a is null ? 0L : a.Length * 4L);

    public bool Contains(long number) =>
        _areas[(int)(number / 10_000_000)] is { } area && Array.BinarySearch(area, (uint)(number % 10_000_000)) >= 0;
}
