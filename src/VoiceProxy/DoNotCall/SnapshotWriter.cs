using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace VoiceProxy.DoNotCall;

/// <summary>Writes a <see cref="NumberSet"/> as a version-2 snapshot (layout on <see cref="RegistrySnapshot"/>): to a temporary
/// file beside the target, flushed to disk, then renamed over the target, so a crash at any point leaves the previous file
/// whole.</summary>
internal static class SnapshotWriter
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs once per import: tiered JIT would spend it in unoptimized code
    public static SnapshotHeader Write(
        string path, NumberSet set, Func<long, SnapshotHeader> header, IProgress<ImportProgress>? progress = null)
    {
        var counts = Count(set);
        var total = counts.Sum(c => (long)c);
        var head = header(total);
        var json = JsonSerializer.SerializeToUtf8Bytes(head, JsonSerializerOptions.Web);

        var directory = new uint[NumberBlocks.Blocks + 1];
        long offset = 0;
        for (var block = 0; block < NumberBlocks.Blocks; block++)
        {
            directory[block] = (uint)offset;
            offset += ContainerLength(counts[block]);
        }
        directory[^1] = (uint)offset;
        var headLength = (RegistrySnapshot.MagicLength + 4 + json.Length + 7) & ~7;
        var bodyLength = headLength + directory.Length * 4L + offset;

        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                var output = new SectionedOutput(file, bodyLength);
                Span<byte> prefix = stackalloc byte[4];
                output.Write("VPDNC002"u8);
                BinaryPrimitives.WriteInt32LittleEndian(prefix, json.Length);
                output.Write(prefix);
                output.Write(json);
                output.Write(new byte[headLength - RegistrySnapshot.MagicLength - 4 - json.Length]);
                if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Snapshots are little endian.");
                output.Write(MemoryMarshal.AsBytes(directory.AsSpan()));

                Span<ushort> lines = stackalloc ushort[NumberBlocks.MaxArrayCount];
                for (var block = 0; block < NumberBlocks.Blocks; block++)
                {
                    if (counts[block] == 0) continue;
                    var words = set.Block(block);
                    if (counts[block] > NumberBlocks.MaxArrayCount) output.Write(MemoryMarshal.AsBytes(words));
                    else output.Write(MemoryMarshal.AsBytes(Lines(words, lines)));
                    if ((block & 0x3FFF) == 0)
                        progress?.Report(new ImportProgress(ImportProgress.Writing, output.Position, bodyLength, total));
                }
                output.Finish();
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            Durability.FlushDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            progress?.Report(new ImportProgress(ImportProgress.Writing, bodyLength, bodyLength, total));
            return head;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static int ContainerLength(int count) =>
        count == 0 ? 0 : count > NumberBlocks.MaxArrayCount ? NumberBlocks.BitmapBytes : count * 2;

    private static int[] Count(NumberSet set)
    {
        var counts = new int[NumberBlocks.Blocks];
        Parallel.For(0, NumberBlocks.Codes, npa => CountArea(set, npa, counts));
        return counts;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs once per import: tiered JIT would spend it in unoptimized code
    private static void CountArea(NumberSet set, int npa, int[] counts)
    {
        if (!set.HasArea(npa)) return;
        for (var block = npa * NumberBlocks.Codes; block < (npa + 1) * NumberBlocks.Codes; block++)
        {
            var count = 0;
            foreach (var word in set.Block(block)) count += BitOperations.PopCount(word);
            counts[block] = count;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs once per import: tiered JIT would spend it in unoptimized code
    private static Span<ushort> Lines(ReadOnlySpan<ulong> words, Span<ushort> lines)
    {
        var n = 0;
        for (var w = 0; w < words.Length; w++)
        {
            for (var bits = words[w]; bits != 0; bits &= bits - 1)
                lines[n++] = (ushort)(w * 64 + BitOperations.TrailingZeroCount(bits));
        }
        return lines[..n];
    }

    /// <summary>Hashes the body in fixed sections as it is written, then appends the section hashes and the footer.</summary>
    private sealed class SectionedOutput(Stream file, long bodyLength)
    {
        private readonly IncrementalHash _section = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly List<byte[]> _hashes = [];
        private long _inSection;

        public long Position { get; private set; }

        public void Write(ReadOnlySpan<byte> bytes)
        {
            file.Write(bytes);
            Position += bytes.Length;
            while (!bytes.IsEmpty)
            {
                var part = (int)Math.Min(bytes.Length, RegistrySnapshot.SectionSize - _inSection);
                _section.AppendData(bytes[..part]);
                _inSection += part;
                bytes = bytes[part..];
                if (_inSection == RegistrySnapshot.SectionSize) EndSection();
            }
        }

        public void Finish()
        {
            if (Position != bodyLength)
                throw new InvalidOperationException($"Snapshot body is {Position} bytes, expected {bodyLength}.");
            if (_inSection > 0) EndSection();
            using var root = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var hash in _hashes)
            {
                file.Write(hash);
                root.AppendData(hash);
            }
            Span<byte> footer = stackalloc byte[16];
            BinaryPrimitives.WriteInt64LittleEndian(footer, bodyLength);
            BinaryPrimitives.WriteInt32LittleEndian(footer[8..], RegistrySnapshot.SectionSize);
            BinaryPrimitives.WriteInt32LittleEndian(footer[12..], _hashes.Count);
            root.AppendData(footer);
            file.Write(footer);
            file.Write(root.GetHashAndReset());
            _section.Dispose();
        }

        private void EndSection()
        {
            _hashes.Add(_section.GetHashAndReset());
            _inSection = 0;
        }
    }
}

/// <summary>Makes a rename survive power loss: the directory entry itself is flushed, not only the file's data.</summary>
internal static class Durability
{
    public static void FlushDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        var fd = Open(directory, 0);
        if (fd < 0) return;
        try
        {
            _ = Fsync(fd);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    // DllImport, not LibraryImport: the generated stubs would need unsafe code enabled for the whole project.
    // CA2101 does not yet accept LPUTF8Str as explicit marshaling (dotnet/roslyn-analyzers#7502); open(2) takes UTF-8.
#pragma warning disable CA2101
    [DllImport("libc", EntryPoint = "open")]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
#pragma warning restore CA2101

    [DllImport("libc", EntryPoint = "fsync")]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
