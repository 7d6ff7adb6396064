using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace VoiceProxy.DoNotCall;

public sealed record SnapshotSource(string File, string Sha256, string Kind);
public sealed record SnapshotHeader(
    int Version, string List, DateOnly AsOf, long Count, DateTimeOffset CreatedAt, IReadOnlyList<SnapshotSource> Sources);

/// <summary>An immutable, checksummed registry list, looked up in place: memory-mapped by the server, or read into memory by
/// tools.
/// <para>Layout (version 2, little endian):</para>
/// <list type="number">
/// <item>magic <c>VPDNC002</c>, int32 header length, UTF-8 JSON <see cref="SnapshotHeader"/>, zero padding to 8 bytes;</item>
/// <item>directory: uint32 x (640,000 + 1), where each NPA-NXX block's container starts in the data section;</item>
/// <item>data: per non-empty block a sorted uint16 array of its last four digits (up to 627 numbers), else a 10,048-bit
/// bitmap (1,256 bytes);</item>
/// <item>the SHA-256 of each 64 MiB section of everything above;</item>
/// <item>footer: int64 body length, int32 section size, int32 section count, SHA-256 of the section hashes and these 16
/// bytes.</item>
/// </list>
/// Sections let a 400 MB snapshot verify on every core before it is served.</summary>
public sealed class RegistrySnapshot : IDisposable
{
    public const int CurrentVersion = 2;
    internal const int SectionSize = 64 << 20;
    private const int FooterLength = 8 + 4 + 4 + 32;
    private const int DirectoryEntries = NumberBlocks.Blocks + 1;
    private static ReadOnlySpan<byte> Magic => "VPDNC002"u8;
    internal static int MagicLength => Magic.Length;

    private readonly byte[]? _bytes;
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly nint _address;
    private readonly int _length;
    private readonly int _directory;
    private readonly int _data;
    private int _references = 1;
    private int _disposed;

    private RegistrySnapshot(
        string path, byte[]? bytes, MemoryMappedFile? file, MemoryMappedViewAccessor? view, nint address, int length)
    {
        (_bytes, _file, _view, _address, _length) = (bytes, file, view, address, length);
        var span = Span;
        var bodyLength = Verify(span, path);
        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(span[Magic.Length..]);
        if (headerLength <= 0 || Magic.Length + 4L + headerLength > bodyLength)
            throw new InvalidDataException($"{path} has a damaged header.");
        Header = JsonSerializer.Deserialize<SnapshotHeader>(span.Slice(Magic.Length + 4, headerLength), JsonSerializerOptions.Web)
            ?? throw new InvalidDataException($"{path} has no header.");
        if (Header.Version != CurrentVersion) throw new InvalidDataException($"{path} has unknown version {Header.Version}.");
        _directory = Align8(Magic.Length + 4 + headerLength);
        _data = _directory + DirectoryEntries * 4;
        if (_data > bodyLength) throw new InvalidDataException($"{path} is too short for its block directory.");
        CheckDirectory(span.Slice(_directory, DirectoryEntries * 4), bodyLength - _data, path);
        Root = Convert.ToHexStringLower(span[^32..]);
    }

    public SnapshotHeader Header { get; }

    /// <summary>The final SHA-256 of the file: two snapshots with the same root hold the same bytes.</summary>
    public string Root { get; }

    /// <summary>Every number, ascending. Decodes the whole snapshot: for tools and tests, not the call path.</summary>
    public long[] Numbers => field ??= Use(s => s.Decode());

    public bool Contains(long number) =>
        TryContains(number, out var listed) ? listed : throw new ObjectDisposedException(nameof(RegistrySnapshot));

    /// <summary>False only when the snapshot was released before this reader got hold of it; it never touches an unmapped
    /// view.</summary>
    internal bool TryContains(long number, out bool listed)
    {
        listed = false;
        if (!TryAcquire()) return false;
        try
        {
            listed = Lookup(number);
            return true;
        }
        finally
        {
            Release();
        }
    }

    private bool Lookup(long number)
    {
        if (!NumberBlocks.TrySplit(number, out var block, out var line)) return false;
        var span = Span;
        var entries = span.Slice(_directory + block * 4, 8);
        var start = (int)BinaryPrimitives.ReadUInt32LittleEndian(entries);
        var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(entries[4..]) - start;
        if (length == 0) return false;
        var container = span.Slice(_data + start, length);
        if (length == NumberBlocks.BitmapBytes) return (container[line >> 3] & (1 << (line & 7))) != 0;
        return MemoryMarshal.Cast<byte, ushort>(container).BinarySearch((ushort)line) >= 0;
    }

    /// <summary>Maps a snapshot file and verifies every section before returning it; throws
    /// <see cref="InvalidDataException"/> for a damaged or unknown file.</summary>
    public static RegistrySnapshot Map(string path)
    {
        // FileShare.Delete: the next import renames over this file while the old mapping is still serving.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.None);
        MemoryMappedFile? file = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            if (stream.Length < MinimumLength) throw new InvalidDataException($"{path} is not a registry snapshot.");
            if (stream.Length > int.MaxValue) throw new InvalidDataException($"{path} is larger than any registry snapshot.");
            file = MemoryMappedFile.CreateFromFile(
                stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = file.CreateViewAccessor(0, stream.Length, MemoryMappedFileAccess.Read);
            var address = view.SafeMemoryMappedViewHandle.DangerousGetHandle() + (nint)view.PointerOffset;
            return new RegistrySnapshot(path, null, file, view, address, (int)stream.Length);
        }
        catch
        {
            view?.Dispose();
            file?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads and verifies a snapshot into memory; throws <see cref="InvalidDataException"/> for a damaged or unknown
    /// file.</summary>
    public static RegistrySnapshot Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < MinimumLength) throw new InvalidDataException($"{path} is not a registry snapshot.");
        return new RegistrySnapshot(path, bytes, null, null, 0, bytes.Length);
    }

    public static string Describe(SnapshotHeader h) => $"{h.List} as of {h.AsOf:yyyy-MM-dd}, {h.Count:N0} numbers";

    /// <summary>Drops the owner's reference; the mapping goes when the last reader has finished with it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) Release();
    }

    internal bool TryAcquire()
    {
        var seen = Volatile.Read(ref _references);
        while (seen > 0)
        {
            var before = Interlocked.CompareExchange(ref _references, seen + 1, seen);
            if (before == seen) return true;
            seen = before;
        }
        return false;
    }

    internal void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0) return;
        _view?.Dispose();
        _file?.Dispose();
    }

    /// <summary>Adds every number to <paramref name="set"/>: the starting point of a change list.</summary>
    internal void CopyTo(NumberSet set) => Use(s =>
    {
        s.ForEachBlock((block, container) =>
        {
            var words = set.WritableBlock(block);
            if (container.Length == NumberBlocks.BitmapBytes)
            {
                for (var w = 0; w < words.Length; w++) words[w] |= BinaryPrimitives.ReadUInt64LittleEndian(container[(w * 8)..]);
            }
            else
            {
                foreach (var line in MemoryMarshal.Cast<byte, ushort>(container)) words[line >> 6] |= 1UL << line;
            }
        });
        return 0;
    });

    private static int MinimumLength => Magic.Length + 4 + FooterLength;

    private static int Align8(int offset) => (offset + 7) & ~7;

    private ReadOnlySpan<byte> Span =>
        _bytes ?? MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AddByteOffset(ref Unsafe.NullRef<byte>(), _address), _length);

    private T Use<T>(Func<RegistrySnapshot, T> action)
    {
        ObjectDisposedException.ThrowIf(!TryAcquire(), this);
        try
        {
            return action(this);
        }
        finally
        {
            Release();
        }
    }

    private delegate void BlockAction(int block, ReadOnlySpan<byte> container);

    // A whole-file pass, run once: tiered JIT would spend it in unoptimized code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ForEachBlock(BlockAction action)
    {
        var span = Span;
        var directory = span.Slice(_directory, DirectoryEntries * 4);
        var start = BinaryPrimitives.ReadUInt32LittleEndian(directory);
        for (var block = 0; block < NumberBlocks.Blocks; block++)
        {
            var end = BinaryPrimitives.ReadUInt32LittleEndian(directory[((block + 1) * 4)..]);
            if (end != start) action(block, span.Slice(_data + (int)start, (int)(end - start)));
            start = end;
        }
    }

    private long[] Decode()
    {
        var numbers = new long[Header.Count];
        var n = 0;
        ForEachBlock((block, container) =>
        {
            if (container.Length == NumberBlocks.BitmapBytes)
            {
                for (var w = 0; w < NumberBlocks.WordsPerBlock; w++)
                {
                    for (var bits = BinaryPrimitives.ReadUInt64LittleEndian(container[(w * 8)..]); bits != 0; bits &= bits - 1)
                        numbers[n++] = NumberBlocks.Join(block, w * 64 + BitOperations.TrailingZeroCount(bits));
                }
            }
            else
            {
                foreach (var line in MemoryMarshal.Cast<byte, ushort>(container)) numbers[n++] = NumberBlocks.Join(block, line);
            }
        });
        return numbers;
    }

    /// <summary>Structure beyond the checksum: every container is empty, a bitmap, or a short array, and they tile the data
    /// section. The checksum proves the bytes are the ones written; this proves a lookup can never read outside the
    /// file.</summary>
    private static void CheckDirectory(ReadOnlySpan<byte> directory, long dataLength, string path)
    {
        var start = BinaryPrimitives.ReadUInt32LittleEndian(directory);
        if (start != 0) throw new InvalidDataException($"{path} has a damaged block directory.");
        for (var i = 1; i < DirectoryEntries; i++)
        {
            var end = BinaryPrimitives.ReadUInt32LittleEndian(directory[(i * 4)..]);
            var length = (long)end - start;
            var isArray = length % 2 == 0 && length <= NumberBlocks.MaxArrayCount * 2;
            if (length < 0 || (length != NumberBlocks.BitmapBytes && !isArray))
                throw new InvalidDataException($"{path} has a damaged block directory.");
            start = end;
        }
        if (start != dataLength)
            throw new InvalidDataException($"{path} holds {dataLength} data bytes, its directory says {start}.");
    }

    /// <summary>Checks the footer, then every section's SHA-256 in parallel; returns the body length.</summary>
    private long Verify(ReadOnlySpan<byte> span, string path)
    {
        if (span.Length < MinimumLength || !span.StartsWith(Magic))
            throw new InvalidDataException($"{path} is not a registry snapshot (or one from an older version: import it again).");
        var footer = span[^FooterLength..];
        var bodyLength = BinaryPrimitives.ReadInt64LittleEndian(footer);
        var sectionSize = BinaryPrimitives.ReadInt32LittleEndian(footer[8..]);
        var sections = BinaryPrimitives.ReadInt32LittleEndian(footer[12..]);
        if (sectionSize < 4096 || bodyLength < Magic.Length + 4 || bodyLength > span.Length
            || sections != (int)((bodyLength + sectionSize - 1) / sectionSize)
            || span.Length != bodyLength + 32L * sections + FooterLength)
            throw new InvalidDataException($"{path} is truncated or damaged.");
        if (!SHA256.HashData(span[(int)bodyLength..^32]).AsSpan().SequenceEqual(footer[^32..]))
            throw new InvalidDataException($"{path} fails its checksum.");

        var damaged = 0;
        Parallel.For(0, sections, section =>
        {
            var all = Span;
            var from = (long)section * sectionSize;
            var part = all.Slice((int)from, (int)Math.Min(sectionSize, bodyLength - from));
            var expected = all.Slice((int)bodyLength + section * 32, 32);
            if (!SHA256.HashData(part).AsSpan().SequenceEqual(expected)) Interlocked.Exchange(ref damaged, 1);
        });
        if (damaged != 0) throw new InvalidDataException($"{path} fails its checksum.");
        return bodyLength;
    }
}
