namespace VoiceProxy.DoNotCall;

/// <summary>How a ten-digit NANP number maps onto snapshot blocks: one block per NPA-NXX (the 10,000 numbers sharing
/// the first six digits). Both the NPA and the NXX start with 2-9, so there are 800 x 800 possible blocks.</summary>
internal static class NumberBlocks
{
    public const int FirstCode = 200;
    public const int Codes = 800;
    public const int Blocks = Codes * Codes;
    /// <summary>10,000 bits rounded up to whole 64-bit words (10,048 bits), so a block copies as words.</summary>
    public const int WordsPerBlock = 157;
    public const int BitmapBytes = WordsPerBlock * 8;
    /// <summary>Up to this many numbers a sorted uint16 array is smaller than the bitmap; from one more, the bitmap is.</summary>
    public const int MaxArrayCount = (BitmapBytes - 1) / 2;

    public static bool TrySplit(long number, out int block, out int line)
    {
        var npa = number / 10_000_000;
        var nxx = number / 10_000 % 1000;
        line = (int)(number % 10_000);
        block = (int)((npa - FirstCode) * Codes + (nxx - FirstCode));
        return npa is >= FirstCode and < FirstCode + Codes && nxx >= FirstCode;
    }

    public static long Join(int block, int line) =>
        ((long)(block / Codes + FirstCode) * 1000 + block % Codes + FirstCode) * 10_000 + line;
}

/// <summary>A set of numbers as one bit each, allocated one NPA (about 1 MB) at a time on first use so a small state list
/// stays small. Adding is safe from several threads at once: importing parses files in parallel into one set.</summary>
internal sealed class NumberSet
{
    private const int SlabWords = NumberBlocks.Codes * NumberBlocks.WordsPerBlock;
    private readonly ulong[]?[] _slabs = new ulong[]?[NumberBlocks.Codes];

    public void Add(int block, int line) =>
        Interlocked.Or(ref Slab(block / NumberBlocks.Codes)[Offset(block) + (line >> 6)], 1UL << line);

    /// <summary>The block's words, or an empty span when its NPA holds no number.</summary>
    public ReadOnlySpan<ulong> Block(int block) =>
        _slabs[block / NumberBlocks.Codes] is { } slab ? slab.AsSpan(Offset(block), NumberBlocks.WordsPerBlock) : default;

    public Span<ulong> WritableBlock(int block) =>
        Slab(block / NumberBlocks.Codes).AsSpan(Offset(block), NumberBlocks.WordsPerBlock);

    /// <summary>Where the block's words start in its NPA's slab.</summary>
    private static int Offset(int block) => block % NumberBlocks.Codes * NumberBlocks.WordsPerBlock;

    public bool HasArea(int npaIndex) => _slabs[npaIndex] is not null;

    /// <summary>Removes every number of <paramref name="other"/>: a remove change list applied to the previous
    /// snapshot.</summary>
    public void ExceptWith(NumberSet other)
    {
        for (var i = 0; i < _slabs.Length; i++)
        {
            if (_slabs[i] is not { } mine || other._slabs[i] is not { } theirs) continue;
            for (var w = 0; w < mine.Length; w++) mine[w] &= ~theirs[w];
        }
    }

    private ulong[] Slab(int npaIndex)
    {
        var slab = Volatile.Read(ref _slabs[npaIndex]);
        if (slab is not null) return slab;
        var fresh = new ulong[SlabWords];
        return Interlocked.CompareExchange(ref _slabs[npaIndex], fresh, null) ?? fresh;
    }
}
