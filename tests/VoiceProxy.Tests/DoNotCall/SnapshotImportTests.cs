using System.Text;
using Microsoft.Extensions.Time.Testing;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Tests.DoNotCall;

/// <summary>Importing full and change lists into version-2 snapshots, read back both memory-mapped and from memory.</summary>
public sealed class SnapshotImportTests : IDisposable
{
    private static readonly DateOnly AsOf = new(2026, 11, 2);
    private readonly RegistryFiles _files = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 3, 8, 0, 0, TimeSpan.Zero));

    public void Dispose() => _files.Dispose();

    private string Target(string list = RegistryLists.National) => Path.Combine(_files.Snapshots, RegistryLists.FileName(list));

    private ImportResult Import(ImportMode mode, string list, params string[] files) =>
        RegistryImporter.Import(_files.Snapshots, list, mode, files, AsOf, _time);

    [Fact]
    public void Import_ThousandsOfNumbersInSeveralFilesAndForms_EveryNumberFoundAndNoOther()
    {
        var numbers = RegistryFiles.Numbers(6000, seed: 7);
        var files = numbers.Chunk(1000).Select((chunk, i) => _files.Write($"part{i}.txt", chunk, seed: i)).ToArray();

        var result = Import(ImportMode.Full, RegistryLists.National, files);

        Assert.Equal(6000, result.Header.Count);
        Assert.Equal(6000, result.LinesRead);
        using var mapped = RegistrySnapshot.Map(Target());
        Assert.Equal(numbers.Order(), mapped.Numbers);
        Assert.All(numbers, n => Assert.True(mapped.Contains(n)));
        var absent = RegistryFiles.Numbers(3000, seed: 8).Except(numbers).ToArray();
        Assert.All(absent, n => Assert.False(mapped.Contains(n)));
        Assert.Equal(files.Select(Path.GetFileName), mapped.Header.Sources.Select(s => s.File));
        Assert.Equal(files.Select(f =>
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))),
            mapped.Header.Sources.Select(s => s.Sha256));
    }

    [Fact]
    public void Import_DenseBlocks_StoredAsBitmapsAndFoundExactly()
    {
        // 9,000 of the 10,000 numbers of 212-555 (a bitmap block) beside 3 of 718-555 (an array block).
        var dense = Enumerable.Range(0, 10_000).Where(i => i % 10 != 3).Select(i => 2125550000L + i).ToArray();
        long[] sparse = [7185550000, 7185554321, 7185559999];
        Import(ImportMode.Full, RegistryLists.National, _files.Write("dense.txt", dense.Concat(sparse)));

        using var mapped = RegistrySnapshot.Map(Target());
        Assert.Equal(dense.Length + sparse.Length, mapped.Header.Count);
        for (var i = 0; i < 10_000; i++) Assert.Equal(i % 10 != 3, mapped.Contains(2125550000L + i));
        Assert.All(sparse, n => Assert.True(mapped.Contains(n)));
        Assert.False(mapped.Contains(7185550001));
        Assert.Equal(dense.Concat(sparse).Order(), mapped.Numbers);
    }

    [Fact]
    public void Import_ChangeLists_AddAndRemoveOnTopOfTheFullList()
    {
        var full = RegistryFiles.Numbers(3000, seed: 1);
        var added = RegistryFiles.Numbers(500, seed: 2).Except(full).ToArray();
        var removed = full.Take(400).ToArray();
        Import(ImportMode.Full, RegistryLists.State("TX"), _files.Write("tx.txt", full));

        Import(ImportMode.Add, RegistryLists.State("TX"), _files.Write("tx-add.txt", added));
        var result = Import(ImportMode.Remove, RegistryLists.State("TX"),
            _files.Write("tx-remove.txt", removed.Append(2025550000L)));

        var expected = full.Concat(added).Except(removed).Order().ToArray();
        Assert.Equal(expected.Length, result.Header.Count);
        using var mapped = RegistrySnapshot.Map(Target(RegistryLists.State("TX")));
        Assert.Equal(expected, mapped.Numbers);
        Assert.Equal("state:TX", mapped.Header.List);
        Assert.Equal(["full", "add", "remove"], mapped.Header.Sources.Select(s => s.Kind));
        Assert.False(File.Exists(Target()));
    }

    [Fact]
    public void Import_WindowsLineEndingsByteOrderMarkAndNoFinalNewline_Accepted()
    {
        var path = Path.Combine(_files.Root, "crlf.txt");
        File.WriteAllBytes(path,
            [.. Encoding.UTF8.GetPreamble(), .. "2025550100\r\n\r\n202,5550101\r\n+12025550102"u8.ToArray()]);

        var result = Import(ImportMode.Full, RegistryLists.National, path);

        Assert.Equal(4, result.LinesRead);
        Assert.Equal(0, result.BadLines);
        Assert.Equal([2025550100L, 2025550101L, 2025550102L], RegistrySnapshot.Read(Target()).Numbers);
    }

    [Fact]
    public void Import_LineLongerThanTheReadBuffer_OneBadLine()
    {
        var lines = Enumerable.Range(0, 300)
            .Select(i => (3035550000L + i).ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Append(new string('7', 3 << 20)).ToArray();

        var result = Import(ImportMode.Full, RegistryLists.National, _files.WriteLines("long.txt", lines));

        Assert.Equal(301, result.LinesRead);
        Assert.Equal(1, result.BadLines);
        Assert.Equal([301L], result.FirstBadLines);
        Assert.Equal(300, result.Header.Count);
    }

    [Fact]
    public void Import_MoreThanOnePercentBadAcrossFiles_FailsAndKeepsThePreviousSnapshot()
    {
        Import(ImportMode.Full, RegistryLists.National, _files.Write("old.txt", RegistryFiles.Numbers(100, seed: 3)));
        var before = File.ReadAllBytes(Target());
        var good = _files.Write("good.txt", RegistryFiles.Numbers(990, seed: 4));
        var bad = _files.WriteLines("bad.txt",
            ["2025550100", "202-555-0101", "hello", "2025550102", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);

        var error = Assert.Throws<InvalidDataException>(() => Import(ImportMode.Full, RegistryLists.National, good, bad));

        Assert.Contains("first at lines 992, 993", error.Message);
        Assert.Equal(before, File.ReadAllBytes(Target()));
        Assert.Single(Directory.GetFiles(_files.Snapshots));
    }

    [Fact]
    public void Import_MissingFile_IOExceptionNotAggregate()
    {
        var good = _files.Write("good.txt", [2025550100L]);
        Assert.Throws<FileNotFoundException>(() => Import(ImportMode.Full, RegistryLists.National, good,
            Path.Combine(_files.Root, "missing.txt")));
    }

    [Fact]
    public void Import_ReportsReadingThenWritingProgress()
    {
        var reports = new List<ImportProgress>();
        var progress = new SynchronousProgress(reports);
        var file = _files.Write("full.txt", RegistryFiles.Numbers(2000, seed: 5));

        RegistryImporter.Import(_files.Snapshots, RegistryLists.National, ImportMode.Full, [file], AsOf, _time, progress);

        var reading = reports.Where(r => r.Phase == ImportProgress.Reading).ToList();
        Assert.Equal(new FileInfo(file).Length, reading.Max(r => r.Done));
        Assert.All(reading, r => Assert.Equal(new FileInfo(file).Length, r.Total));
        Assert.Equal(2000, reading.Max(r => r.Numbers));
        var last = reports[^1];
        Assert.Equal(ImportProgress.Writing, last.Phase);
        Assert.Equal(last.Total, last.Done);
    }

    private sealed class SynchronousProgress(List<ImportProgress> reports) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value)
        {
            lock (reports) reports.Add(value);
        }
    }

    /// <summary>The byte parser used by imports and the text parser must agree on every line, valid or not.</summary>
    [Fact]
    public void TryParse_BytesAndText_AgreeOnRandomLines()
    {
        var random = new Random(11);
        const string alphabet = "0123456789012345678901,+ \t-x";
        for (var i = 0; i < 200_000; i++)
        {
            var line = i % 3 == 0
                ? RegistryFiles.Format(2_000_000_000L + random.NextInt64(8_000_000_000L),
                    random.Next(4)) + (random.Next(5) == 0 ? " " : "")
                : new string(Enumerable.Range(0, random.Next(0, 15)).Select(_ => alphabet[random.Next(alphabet.Length)])
                    .ToArray());
            var text = RegistryImporter.TryParse(line.AsSpan(), out var fromText);
            var bytes = RegistryImporter.TryParse(Encoding.ASCII.GetBytes(line).AsSpan(), out var fromBytes);
            Assert.True(text == bytes, $"'{line}': text {text}, bytes {bytes}");
            Assert.Equal(fromText, fromBytes);
        }
    }
}
