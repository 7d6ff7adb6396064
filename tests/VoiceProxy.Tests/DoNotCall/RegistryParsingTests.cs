using Microsoft.Extensions.Time.Testing;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Tests.DoNotCall;

/// <summary>docs/compliance-rules.md section 4: registry files (one number per line; some show NPA,NXXXXXX), full and change
/// lists.</summary>
public sealed class RegistryParsingTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "voiceproxy-unit-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 7, 15, 9, 0, 0, TimeSpan.Zero));
    private static readonly DateOnly AsOf = new(2026, 7, 14);

    public RegistryParsingTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private string Snapshots => Path.Combine(_root, "snapshots");
    private string NationalSnapshot => Path.Combine(Snapshots, RegistryLists.FileName(RegistryLists.National));

    private string Source(string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private ImportResult Import(ImportMode mode, params string[] files) =>
        RegistryImporter.Import(Snapshots, RegistryLists.National, mode, files, AsOf, _time);

    /// <summary>n distinct valid numbers 202-555-0000 + i.</summary>
    private static IEnumerable<string> Numbers(int n, int from = 0) => Enumerable.Range(from, n)
        .Select(i => (2025550000L + i).ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Theory]
    [InlineData("2025550123", 2025550123L)]
    [InlineData("202,5550123", 2025550123L)]
    [InlineData("12025550123", 2025550123L)]
    [InlineData("+12025550123", 2025550123L)]
    [InlineData(" 2025550123 ", 2025550123L)]
    [InlineData("\t2025550123\t", 2025550123L)]
    [InlineData("1202,5550123", 2025550123L)]
    [InlineData("+1202,5550123", 2025550123L)]
    [InlineData("9999999999", 9999999999L)]
    [InlineData("2002000000", 2002000000L)]
    public void TryParse_ValidLine_Number(string line, long expected)
    {
        Assert.True(RegistryImporter.TryParse(line, out var number));
        Assert.Equal(expected, number);
    }

    [Theory]
    [InlineData("202555012")]      // nine digits
    [InlineData("1202555012")]     // leading 1 + nine digits
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("0025550123")]     // NPA starts with 0
    [InlineData("1025550123")]     // NPA starts with 1 (and is not a leading 1 + ten digits)
    [InlineData("2021550123")]     // NXX starts with 1
    [InlineData("2020550123")]     // NXX starts with 0
    [InlineData("202,555,0123")]   // two commas
    [InlineData("20,25550123")]    // comma in the wrong place
    [InlineData("2025,550123")]
    [InlineData("+22025550123")]   // eleven digits not starting with 1
    [InlineData("22025550123")]
    [InlineData("120255501234")]   // twelve digits
    [InlineData("202-555-0123")]
    [InlineData("(202) 5550123")]
    [InlineData("202 5550123")]
    [InlineData("2025550123,")]
    [InlineData("++12025550123")]
    [InlineData("12021550123")]    // leading 1, NXX starts with 1
    public void TryParse_InvalidLine_False(string line)
    {
        Assert.False(RegistryImporter.TryParse(line, out _));
    }

    [Fact]
    public void Import_FullList_SortedDistinctSnapshotWrittenAndReadable()
    {
        var file = Source("full.txt", ["3035550100", "202,5550123", "", "+12025550123", "12125550100"]);

        var result = Import(ImportMode.Full, file);

        Assert.Equal(5, result.LinesRead);
        Assert.Equal(0, result.BadLines);
        Assert.Empty(result.FirstBadLines);
        Assert.Equal(3, result.Header.Count);
        Assert.Equal(AsOf, result.Header.AsOf);
        Assert.Equal(RegistryLists.National, result.Header.List);
        Assert.Equal(_time.GetUtcNow(), result.Header.CreatedAt);
        var snapshot = RegistrySnapshot.Read(NationalSnapshot);
        Assert.Equal([2025550123L, 2125550100L, 3035550100L], snapshot.Numbers);
        Assert.True(snapshot.Contains(2125550100L));
        Assert.False(snapshot.Contains(2125550101L));
        var source = Assert.Single(snapshot.Header.Sources);
        Assert.Equal("full.txt", source.File);
        Assert.Equal("full", source.Kind);
        Assert.Equal(64, source.Sha256.Length);
        Assert.Equal([RegistryLists.FileName(RegistryLists.National)], Directory.GetFiles(Snapshots).Select(Path.GetFileName));
    }

    [Fact]
    public void Import_AddAndRemoveChangeLists_ApplyToPreviousSnapshot()
    {
        Import(ImportMode.Full, Source("full.txt", ["2025550100", "2025550101", "2025550102"]));

        Import(ImportMode.Add, Source("add.txt", ["2025550103", "202,5550100", "2025550104"]));
        Assert.Equal([2025550100L, 2025550101L, 2025550102L, 2025550103L, 2025550104L],
            RegistrySnapshot.Read(NationalSnapshot).Numbers);

        var result = Import(ImportMode.Remove, Source("remove.txt", ["2025550101", "2025550104", "2025559999"]));
        var snapshot = RegistrySnapshot.Read(NationalSnapshot);
        Assert.Equal([2025550100L, 2025550102L, 2025550103L], snapshot.Numbers);
        Assert.Equal(3, result.Header.Count);
        Assert.Equal(["full", "add", "remove"], snapshot.Header.Sources.Select(s => s.Kind));
    }

    [Fact]
    public void Import_FullListAfterFull_Replaces()
    {
        Import(ImportMode.Full, Source("a.txt", ["2025550100", "2025550101"]));
        Import(ImportMode.Full, Source("b.txt", ["2025550199"]));

        Assert.Equal([2025550199L], RegistrySnapshot.Read(NationalSnapshot).Numbers);
    }

    [Theory]
    [InlineData(ImportMode.Add)]
    [InlineData(ImportMode.Remove)]
    public void Import_ChangeListWithoutSnapshot_Throws(ImportMode mode)
    {
        Assert.Throws<InvalidOperationException>(() => Import(mode, Source("change.txt", ["2025550100"])));
        Assert.False(File.Exists(NationalSnapshot));
    }

    [Theory]
    [InlineData("federal")]
    [InlineData("state:fl")]
    [InlineData("state:FLA")]
    public void Import_UnknownList_Throws(string list)
    {
        var file = Source("full.txt", ["2025550100"]);
        Assert.Throws<ArgumentException>(() => RegistryImporter.Import(Snapshots, list, ImportMode.Full, [file], AsOf, _time));
    }

    [Theory]
    // total lines, bad line numbers (1-based)
    [InlineData(100, "10;20")]
    [InlineData(199, "1;2")]
    [InlineData(50, "50")]
    public void Import_MoreThanOnePercentBad_ThrowsAndKeepsPreviousSnapshot(int lines, string badLines)
    {
        Import(ImportMode.Full, Source("old.txt", ["2025550100", "2025550101"]));
        var before = File.ReadAllBytes(NationalSnapshot);
        var bad = badLines.Split(';').Select(int.Parse).ToHashSet();
        var file = Source("new.txt", Numbers(lines).Select((n, i) => bad.Contains(i + 1) ? "not-a-number" : n));

        var error = Assert.Throws<InvalidDataException>(() => Import(ImportMode.Full, file));

        Assert.Contains(badLines.Split(';')[0], error.Message);
        Assert.Equal(before, File.ReadAllBytes(NationalSnapshot));
        Assert.Equal([2025550100L, 2025550101L], RegistrySnapshot.Read(NationalSnapshot).Numbers);
        Assert.Single(Directory.GetFiles(Snapshots));
    }

    [Fact]
    public void Import_ChangeListMoreThanOnePercentBad_KeepsPreviousSnapshot()
    {
        Import(ImportMode.Full, Source("old.txt", ["2025550100", "2025550101"]));
        var before = File.ReadAllBytes(NationalSnapshot);

        Assert.Throws<InvalidDataException>(() => Import(ImportMode.Remove, Source("remove.txt", ["2025550100", "garbage"])));

        Assert.Equal(before, File.ReadAllBytes(NationalSnapshot));
    }

    [Theory]
    // total lines, bad line numbers: at most 1% bad is imported, the bad lines reported
    [InlineData(100, "37")]
    [InlineData(200, "1;200")]
    [InlineData(1000, "5;6;7;8;9;10;11;12;13;14")]
    public void Import_AtMostOnePercentBad_ImportedAndReported(int lines, string badLines)
    {
        var bad = badLines.Split(';').Select(int.Parse).ToList();
        var file = Source("full.txt", Numbers(lines).Select((n, i) => bad.Contains(i + 1) ? "202,555,0123" : n));

        var result = Import(ImportMode.Full, file);

        Assert.Equal(lines, result.LinesRead);
        Assert.Equal(bad.Count, result.BadLines);
        Assert.Equal(bad.Select(b => (long)b), result.FirstBadLines);
        Assert.Equal(lines - bad.Count, result.Header.Count);
        Assert.Equal(lines - bad.Count, RegistrySnapshot.Read(NationalSnapshot).Numbers.Length);
    }

    [Fact]
    public void Import_ManyBadLinesWithinOnePercent_ReportsFirstTen()
    {
        var bad = Enumerable.Range(1, 12).Select(i => i * 100).ToHashSet();
        var file = Source("full.txt", Numbers(1200).Select((n, i) => bad.Contains(i + 1) ? "x" : n));

        var result = Import(ImportMode.Full, file);

        Assert.Equal(12, result.BadLines);
        Assert.Equal(bad.Order().Take(10).Select(b => (long)b), result.FirstBadLines);
    }

    [Fact]
    public void Import_SeveralFiles_LinesCountedAcrossFiles()
    {
        var a = Source("a.txt", ["2025550100", "2025550101"]);
        var b = Source("b.txt", ["2025550102", "bad"]);

        // 1 bad of 4 lines is 25%: rejected, and the bad line is numbered across files
        var error = Assert.Throws<InvalidDataException>(() => Import(ImportMode.Full, a, b));
        Assert.Contains("4", error.Message);
        Assert.False(File.Exists(NationalSnapshot));
    }

    [Fact]
    public void SnapshotRead_Intact_RoundTrips()
    {
        Import(ImportMode.Full, Source("full.txt", Numbers(500)));

        var snapshot = RegistrySnapshot.Read(NationalSnapshot);

        Assert.Equal(500, snapshot.Header.Count);
        Assert.Equal(Numbers(500).Select(long.Parse), snapshot.Numbers);
    }

    [Theory]
    [InlineData(0.0)]   // magic
    [InlineData(0.1)]   // header
    [InlineData(0.5)]   // numbers
    [InlineData(0.99)]  // numbers near the end
    [InlineData(1.0)]   // last byte of the SHA-256 trailer
    public void SnapshotRead_OneFlippedByte_Rejected(double position)
    {
        Import(ImportMode.Full, Source("full.txt", Numbers(500)));
        var bytes = File.ReadAllBytes(NationalSnapshot);
        var index = (int)Math.Min(bytes.Length - 1, position * bytes.Length);
        bytes[index] ^= 0x01;
        File.WriteAllBytes(NationalSnapshot, bytes);

        Assert.Throws<InvalidDataException>(() => RegistrySnapshot.Read(NationalSnapshot));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(32)]
    [InlineData(2000)]
    public void SnapshotRead_Truncated_Rejected(int bytesRemoved)
    {
        Import(ImportMode.Full, Source("full.txt", Numbers(500)));
        var bytes = File.ReadAllBytes(NationalSnapshot);
        File.WriteAllBytes(NationalSnapshot, bytes[..^bytesRemoved]);

        Assert.Throws<InvalidDataException>(() => RegistrySnapshot.Read(NationalSnapshot));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(43)]
    public void SnapshotRead_TooShort_Rejected(int length)
    {
        Import(ImportMode.Full, Source("full.txt", Numbers(5)));
        File.WriteAllBytes(NationalSnapshot, File.ReadAllBytes(NationalSnapshot)[..length]);

        Assert.Throws<InvalidDataException>(() => RegistrySnapshot.Read(NationalSnapshot));
    }
}
