using VoiceProxy.Compliance;

namespace VoiceProxy.Tests.Compliance;

/// <summary>The reviewed area-code table (Compliance/Data/npa.csv and its README): zones asserted exactly as the csv lists
/// them.</summary>
public sealed class NpaTableTests
{
    private static readonly NpaTable Table = GateTestData.Npa;

    private static IEnumerable<NpaEntry> AllEntries() =>
        Enumerable.Range(0, 1000).Select(n => Table.Find(n.ToString("000", System.Globalization.CultureInfo.InvariantCulture)))
            .OfType<NpaEntry>();

    /// <summary>The US rows, which the US review below is about; the Canadian rows are CanadaNpaTests'.</summary>
    private static IEnumerable<NpaEntry> UsEntries() => AllEntries().Where(e => e.Country == "US");

    [Fact]
    public void LoadEmbedded_ReviewedTable_Has375UsAreaCodes()
    {
        Assert.Equal(375 + 54, Table.Count);
        Assert.Equal(375, UsEntries().Count());
    }

    [Fact]
    public void LoadEmbedded_EveryUsEntry_HasStateAndLoadableZones()
    {
        Assert.All(UsEntries(), e =>
        {
            Assert.NotEmpty(e.States);
            Assert.All(e.States, s => Assert.Matches("^[A-Z]{2}$", s));
            Assert.NotEmpty(e.TimeZones);
            Assert.All(e.TimeZones, z => Assert.NotNull(TimeZoneInfo.FindSystemTimeZoneById(z)));
            Assert.Equal(e.TimeZones.Order(StringComparer.Ordinal), e.TimeZones);
        });
    }

    [Fact]
    public void LoadEmbedded_EveryStateDcAndTerritory_Present()
    {
        string[] expected =
        [
            "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME",
            "MD",
            "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI",
            "SC",
            "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC", "PR", "VI", "GU", "AS", "MP",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal),
            Table.States.Where(s => Countries.Of(s) == "US").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void LoadEmbedded_MultiZoneAreaCodes_ExactlyTheReviewedOnes()
    {
        // Data/README.md "Multi-zone area codes (31)"
        string[] expected =
        [
            "208", "986", "219", "574", "812", "930", "270", "364", "606", "423", "729", "850", "448", "906", "701", "605",
            "308", "402", "531", "620", "785", "915", "432", "541", "458", "775", "928", "907", "580", "334", "483",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal),
            UsEntries().Where(e => e.TimeZones.Count > 1).Select(e => e.Npa).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("850", "FL", "America/Chicago;America/New_York")]
    [InlineData("448", "FL", "America/Chicago;America/New_York")]
    [InlineData("812", "IN", "America/Chicago;America/Indiana/Indianapolis")]
    [InlineData("930", "IN", "America/Chicago;America/Indiana/Indianapolis")]
    [InlineData("219", "IN", "America/Chicago;America/Indiana/Indianapolis")]
    [InlineData("574", "IN", "America/Chicago;America/Indiana/Indianapolis")]
    [InlineData("270", "KY", "America/Chicago;America/New_York")]
    [InlineData("364", "KY", "America/Chicago;America/New_York")]
    [InlineData("606", "KY", "America/Chicago;America/New_York")]
    [InlineData("423", "TN", "America/Chicago;America/New_York")]
    [InlineData("729", "TN", "America/Chicago;America/New_York")]
    [InlineData("906", "MI", "America/Chicago;America/New_York")]
    [InlineData("308", "NE", "America/Chicago;America/Denver")]
    [InlineData("402", "NE", "America/Chicago;America/Denver")]
    [InlineData("531", "NE", "America/Chicago;America/Denver")]
    [InlineData("605", "SD", "America/Chicago;America/Denver")]
    [InlineData("701", "ND", "America/Chicago;America/Denver")]
    [InlineData("620", "KS", "America/Chicago;America/Denver")]
    [InlineData("785", "KS", "America/Chicago;America/Denver")]
    [InlineData("915", "TX", "America/Chicago;America/Denver")]
    [InlineData("432", "TX", "America/Chicago;America/Denver")]
    [InlineData("541", "OR", "America/Denver;America/Los_Angeles")]
    [InlineData("458", "OR", "America/Denver;America/Los_Angeles")]
    [InlineData("208", "ID", "America/Denver;America/Los_Angeles")]
    [InlineData("986", "ID", "America/Denver;America/Los_Angeles")]
    [InlineData("775", "NV", "America/Denver;America/Los_Angeles")]
    [InlineData("928", "AZ", "America/Denver;America/Phoenix")]
    [InlineData("907", "AK", "America/Adak;America/Anchorage")]
    [InlineData("334", "AL", "America/Chicago;America/New_York")]
    [InlineData("483", "AL", "America/Chicago;America/New_York")]
    [InlineData("580", "OK", "America/Chicago;America/Denver")]
    public void Find_SplitAreaCode_ListsEveryZone(string npa, string state, string zones)
    {
        var entry = Table.Find(npa);

        Assert.NotNull(entry);
        Assert.Equal([state], entry.States);
        Assert.Equal(zones.Split(';'), entry.TimeZones);
    }

    [Theory]
    [InlineData("212", "NY", "America/New_York")]
    [InlineData("415", "CA", "America/Los_Angeles")]
    [InlineData("808", "HI", "Pacific/Honolulu")]
    [InlineData("602", "AZ", "America/Phoenix")]
    [InlineData("480", "AZ", "America/Phoenix")]
    [InlineData("787", "PR", "America/Puerto_Rico")]
    [InlineData("939", "PR", "America/Puerto_Rico")]
    [InlineData("340", "VI", "America/St_Thomas")]
    [InlineData("671", "GU", "Pacific/Guam")]
    [InlineData("305", "FL", "America/New_York")]
    [InlineData("689", "FL", "America/New_York")]
    [InlineData("317", "IN", "America/Indiana/Indianapolis")]
    [InlineData("502", "KY", "America/New_York")]
    [InlineData("931", "TN", "America/Chicago")]
    [InlineData("806", "TX", "America/Chicago")]
    [InlineData("702", "NV", "America/Los_Angeles")]
    [InlineData("405", "OK", "America/Chicago")]
    [InlineData("205", "AL", "America/Chicago")]
    public void Find_SingleZoneAreaCode_ListsOneZone(string npa, string state, string zone)
    {
        var entry = Table.Find(npa);

        Assert.NotNull(entry);
        Assert.Equal([state], entry.States);
        Assert.Equal([zone], entry.TimeZones);
    }

    [Theory]
    [InlineData("999")]
    [InlineData("800")]
    [InlineData("888")]
    [InlineData("900")]
    [InlineData("555")]
    [InlineData("000")]
    [InlineData("911")]
    [InlineData("600")] // Canadian non-geographic codes are excluded, as the US ones are
    [InlineData("622")]
    [InlineData("876")] // Jamaica: Caribbean-country NPAs are excluded
    [InlineData("")]
    [InlineData("21")]
    public void Find_UnknownAreaCode_Null(string npa)
    {
        Assert.Null(Table.Find(npa));
    }

    [Theory]
    // overlays carry exactly the zones of the NPA they overlay
    [InlineData("850", "448")]
    [InlineData("812", "930")]
    [InlineData("270", "364")]
    [InlineData("423", "729")]
    [InlineData("402", "531")]
    [InlineData("541", "458")]
    [InlineData("208", "986")]
    [InlineData("334", "483")]
    [InlineData("415", "628")]
    [InlineData("212", "646")]
    public void Find_Overlay_SameZonesAsOverlaidAreaCode(string npa, string overlay)
    {
        Assert.Equal(Table.Find(npa)!.TimeZones, Table.Find(overlay)!.TimeZones);
        Assert.Equal(Table.Find(npa)!.States, Table.Find(overlay)!.States);
    }

    [Theory]
    [InlineData("FL", "America/Chicago;America/New_York")]
    [InlineData("IN", "America/Chicago;America/Indiana/Indianapolis")]
    [InlineData("AZ", "America/Denver;America/Phoenix")]
    [InlineData("CA", "America/Los_Angeles")]
    [InlineData("HI", "Pacific/Honolulu")]
    [InlineData("NY", "America/New_York")]
    [InlineData("TX", "America/Chicago;America/Denver")]
    [InlineData("XX", "")]
    public void ZonesOf_State_EveryZoneOfItsAreaCodes(string state, string zones)
    {
        Assert.Equal(zones.Split(';', StringSplitOptions.RemoveEmptyEntries), Table.ZonesOf(state));
    }

    [Theory]
    [InlineData("npa,states,timeZones,note\n21,NY,America/New_York,short npa")]
    [InlineData("npa,states,timeZones,note\n2125,NY,America/New_York,long npa")]
    [InlineData("npa,states,timeZones,note\nabc,NY,America/New_York,letters")]
    [InlineData("npa,states,timeZones,note\n212,NY")]
    [InlineData("npa,states,timeZones,note\n212")]
    [InlineData("npa,states,timeZones,note\n212,NY,America/Nowhere,unknown zone")]
    [InlineData("npa,states,timeZones,note\n850,FL,America/Chicago;Mars/Olympus,one unknown zone")]
    [InlineData("npa,states,timeZones,note\n212,NY,,empty zone")]
    [InlineData("npa,states,timeZones,note\n416,CA-O,America/Toronto,bad province")]
    [InlineData("npa,states,timeZones,note\n902,CA-NS;NY,America/Halifax,two countries")]
    [InlineData("# comment\nnpa,states,timeZones,note\n212,NY,America/New_York,ok\nnot a row")]
    public void Parse_BadLine_ThrowsFormatException(string csv)
    {
        Assert.Throws<FormatException>(() => NpaTable.Parse(new StringReader(csv)));
    }

    [Fact]
    public void Parse_CommentsHeaderAndRows_Loaded()
    {
        var table = NpaTable.Parse(new StringReader(
            "# a comment\n\nnpa,states,timeZones,note\n# another\n"
            + "850,FL,America/Chicago;America/New_York,panhandle, with a comma in the note\n212,NY,America/New_York,\n"));

        Assert.Equal(2, table.Count);
        Assert.Equal(["America/Chicago", "America/New_York"], table.Find("850")!.TimeZones);
        Assert.Equal(["America/New_York"], table.ZonesOf("NY"));
    }
}
