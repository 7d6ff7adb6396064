using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;

namespace VoiceProxy.DoNotCall;

public sealed record SnapshotSource(string File, string Sha256, string Kind);
public sealed record SnapshotHeader(int Version, string List, DateOnly AsOf, long Count, DateTimeOffset CreatedAt, IReadOnlyList<SnapshotSource> Sources);

/// <summary>An immutable registry list: sorted ten-digit numbers with a versioned header and a SHA-256 trailer.
/// Layout: magic "VPDNC001", int32 header length, UTF-8 JSON header, count x int64 (little endian), 32-byte SHA-256 of all before.</summary>
public sealed class RegistrySnapshot(SnapshotHeader header, long[] numbers)
{
    private static readonly byte[] Magic = "VPDNC001"u8.ToArray();
    public const int CurrentVersion = 1;

    public SnapshotHeader Header => header;
    public long[] Numbers => numbers;

    public bool Contains(long number) => Array.BinarySearch(numbers, number) >= 0;

    /// <summary>Writes to a temporary file beside the target and renames it into place, so a crash leaves the old file whole.</summary>
    public void WriteAtomically(string path)
    {
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                void Write(ReadOnlySpan<byte> bytes) { file.Write(bytes); hash.AppendData(bytes); }
                var json = JsonSerializer.SerializeToUtf8Bytes(header, JsonSerializerOptions.Web);
                Write(Magic);
                Span<byte> len = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(len, json.Length);
                Write(len);
                Write(json);
                var buffer = new byte[8 * 8192];
                for (var i = 0; i < numbers.Length; i += 8192)
                {
                    var n = Math.Min(8192, numbers.Length - i);
                    for (var j = 0; j < n; j++) BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(j * 8), numbers[i + j]);
                    Write(buffer.AsSpan(0, n * 8));
                }
                file.Write(hash.GetHashAndReset());
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Reads and verifies a snapshot; throws <see cref="InvalidDataException"/> for a damaged or unknown file.</summary>
    public static RegistrySnapshot Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length + 4 + 32 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new InvalidDataException($"{path} is not a registry snapshot.");
        var body = bytes.AsSpan(0, bytes.Length - 32);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
            throw new InvalidDataException($"{path} fails its checksum.");
        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(body[Magic.Length..]);
        var header = JsonSerializer.Deserialize<SnapshotHeader>(body.Slice(Magic.Length + 4, headerLength), JsonSerializerOptions.Web)
            ?? throw new InvalidDataException($"{path} has no header.");
        if (header.Version != CurrentVersion) throw new InvalidDataException($"{path} has unknown version {header.Version}.");
        var data = body[(Magic.Length + 4 + headerLength)..];
        if (data.Length != header.Count * 8) throw new InvalidDataException($"{path} holds {data.Length / 8} numbers, header says {header.Count}.");
        var numbers = new long[header.Count];
        for (var i = 0; i < numbers.Length; i++) numbers[i] = BinaryPrimitives.ReadInt64LittleEndian(data[(i * 8)..]);
        return new RegistrySnapshot(header, numbers);
    }

    public static string Describe(SnapshotHeader h) => $"{h.List} as of {h.AsOf:yyyy-MM-dd}, {h.Count:N0} numbers";

    internal static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
