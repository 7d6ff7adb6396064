using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using VoiceProxy.DoNotCall;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Tests.DoNotCall;

/// <summary>The served registry: a damaged or half-written file never replaces a good snapshot, and lookups running while
/// snapshots are swapped never fail and always answer from one whole snapshot, old or new.</summary>
public sealed class SnapshotSwapTests : IDisposable
{
    private readonly RegistryFiles _files = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 3, 8, 0, 0, TimeSpan.Zero));

    public void Dispose() => _files.Dispose();

    private string National => Path.Combine(_files.Snapshots, RegistryLists.FileName(RegistryLists.National));

    private SnapshotRegistry Registry() =>
        new(Options.Create(new VoiceProxyOptions { Registry = new RegistryOptions { Path = _files.Snapshots } }),
            NullLogger<SnapshotRegistry>.Instance);

    private void Import(DateOnly asOf, IEnumerable<long> numbers, string list = RegistryLists.National) =>
        RegistryImporter.Import(_files.Snapshots, list, ImportMode.Full, [_files.Write($"{Guid.NewGuid():N}.txt", numbers)], asOf,
            _time);

    private static string E164(long number) => "+1" + number;

    [Fact]
    public void HalfWrittenTemporaryFile_NeverServed()
    {
        Import(new DateOnly(2026, 11, 1), [2025550100]);
        using var registry = Registry();
        var good = File.ReadAllBytes(National);
        // What a crash mid-import leaves behind: the importer's temporary file, cut short.
        File.WriteAllBytes(National + ".0123456789abcdef.tmp", good[..(good.Length / 2)]);

        registry.Reload();

        var fact = registry.Check(RegistryLists.National, E164(2025550100));
        Assert.True(fact.Listed);
        Assert.Equal(new DateOnly(2026, 11, 1), fact.AsOf);
        Assert.Equal([RegistryLists.National], registry.Lists);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("flipped")]
    [InlineData("empty")]
    [InlineData("old-format")]
    public void DamagedFileRenamedIntoPlace_PreviousSnapshotKeptServing(string damage)
    {
        Import(new DateOnly(2026, 11, 1), [2025550100]);
        using var registry = Registry();
        // A newer snapshot made elsewhere (the watcher must not see it whole), then damaged on its way in.
        var elsewhere = Path.Combine(_files.Root, "elsewhere");
        RegistryImporter.Import(elsewhere, RegistryLists.National, ImportMode.Full, [_files.Write("b.txt", [2025550199L])],
            new DateOnly(2026, 11, 2), _time);
        var bytes = File.ReadAllBytes(Path.Combine(elsewhere, RegistryLists.FileName(RegistryLists.National)));
        bytes = damage switch
        {
            "truncated" => bytes[..^100],
            "flipped" => Flip(bytes, bytes.Length / 2),
            "empty" => [],
            _ => [.. "VPDNC001"u8, .. bytes[8..]],
        };
        var damaged = Path.Combine(_files.Root, "damaged.snapshot");
        File.WriteAllBytes(damaged, bytes);
        File.Move(damaged, National, overwrite: true);

        registry.Reload();

        var fact = registry.Check(RegistryLists.National, E164(2025550100));
        Assert.True(fact.Listed);
        Assert.Equal(new DateOnly(2026, 11, 1), fact.AsOf);
        Assert.False(registry.Check(RegistryLists.National, E164(2025550199)).Listed);
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        bytes[at] ^= 0x10;
        return bytes;
    }

    [Fact]
    public void SnapshotOfAnotherListUnderThisName_NotServed()
    {
        Import(new DateOnly(2026, 11, 1), [5125550100], RegistryLists.State("TX"));
        File.Copy(Path.Combine(_files.Snapshots, RegistryLists.FileName(RegistryLists.State("TX"))), National);

        using var registry = Registry();

        Assert.Equal([RegistryLists.State("TX")], registry.Lists);
        Assert.Null(registry.Check(RegistryLists.National, E164(5125550100)).AsOf);
    }

    [Fact]
    public void SnapshotDeleted_ListDroppedSoMarketingFailsClosed()
    {
        Import(new DateOnly(2026, 11, 1), [2025550100]);
        using var registry = Registry();

        File.Delete(National);
        registry.Reload();

        Assert.Empty(registry.Lists);
        var fact = registry.Check(RegistryLists.National, E164(2025550100));
        Assert.False(fact.Listed);
        Assert.Null(fact.AsOf);
    }

    [Fact]
    public void NewSnapshot_PickedUpByTheWatcherWithoutReload()
    {
        Import(new DateOnly(2026, 11, 1), [2025550100]);
        using var registry = Registry();

        Import(new DateOnly(2026, 11, 2), [2025550199]);

        Assert.True(SpinWait.SpinUntil(() => registry.Check(RegistryLists.National, E164(2025550199)).Listed,
            TimeSpan.FromSeconds(10)),
            "the watcher did not swap in the new snapshot");
        Assert.Equal(new DateOnly(2026, 11, 2), registry.Status(new DateOnly(2026, 11, 3), 31).Single().AsOf);
    }

    [Fact]
    public void ReleasedSnapshot_RefusesLookupsInsteadOfReadingUnmappedMemory()
    {
        Import(new DateOnly(2026, 11, 1), [2025550100]);
        var snapshot = RegistrySnapshot.Map(National);
        Assert.True(snapshot.TryAcquire());

        snapshot.Dispose();
        Assert.True(snapshot.Contains(2025550100), "a reader holding a reference keeps the mapping alive");
        snapshot.Release();

        Assert.False(snapshot.TryContains(2025550100, out _));
        Assert.Throws<ObjectDisposedException>(() => snapshot.Contains(2025550100));
    }

    /// <summary>Two snapshots with different numbers and as-of dates are swapped in over and over while readers look up numbers
    /// in one, the other, both and neither: every answer must match the snapshot whose as-of date it reports.</summary>
    [Fact]
    public async Task LookupsDuringRepeatedSwaps_NoFailureAndEveryAnswerFromOneWholeSnapshot()
    {
        var numbers = RegistryFiles.Numbers(4000, seed: 21);
        var onlyA = numbers[..1000];
        var onlyB = numbers[1000..2000];
        var both = numbers[2000..3000];
        var neither = numbers[3000..];
        DateOnly a = new(2026, 11, 1), b = new(2026, 11, 2);
        var inA = onlyA.Concat(both).ToHashSet();
        var inB = onlyB.Concat(both).ToHashSet();
        var aFile = _files.Write("a.txt", onlyA.Concat(both));
        var bFile = _files.Write("b.txt", onlyB.Concat(both));
        RegistryImporter.Import(_files.Snapshots, RegistryLists.National, ImportMode.Full, [aFile], a, _time);
        using var registry = Registry();

        using var stop = new CancellationTokenSource();
        var answers = new long[2];
        var readers = Enumerable.Range(0, 4).Select(r => Task.Run(() =>
        {
            var random = new Random(r);
            var seen = new HashSet<DateOnly>();
            while (!stop.IsCancellationRequested)
            {
                var number = numbers[random.Next(numbers.Length)];
                var fact = registry.Check(RegistryLists.National, E164(number));
                var expected = fact.AsOf == a ? inA.Contains(number) : fact.AsOf == b ? inB.Contains(number)
                    : throw new InvalidOperationException($"as-of {fact.AsOf}");
                Assert.Equal(expected, fact.Listed);
                seen.Add(fact.AsOf!.Value);
                Interlocked.Increment(ref answers[fact.AsOf == a ? 0 : 1]);
            }
            return seen;
        })).ToArray();

        for (var swap = 0; swap < 30; swap++)
        {
            var next = swap % 2 == 0 ? (bFile, b) : (aFile, a);
            RegistryImporter.Import(_files.Snapshots, RegistryLists.National, ImportMode.Full, [next.Item1], next.Item2, _time);
            registry.Reload();
            var reached = Interlocked.Read(ref answers[swap % 2 == 0 ? 1 : 0]);
            // Let the readers see this snapshot before the next swap: wait on their progress, not on time.
            SpinWait.SpinUntil(() => Interlocked.Read(ref answers[swap % 2 == 0 ? 1 : 0]) > reached + 50
                || readers.Any(t => t.IsCompleted), TimeSpan.FromSeconds(10));
        }
        await stop.CancelAsync();
        var seen = await Task.WhenAll(readers);

        Assert.All(seen, s => Assert.Equal([a, b], s.Order()));
        Assert.All(neither, n => Assert.False(registry.Check(RegistryLists.National, E164(n)).Listed));
    }
}
