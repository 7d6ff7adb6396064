using VoiceProxy.Compliance;

namespace VoiceProxy.Tests.Compliance;

/// <summary>The rule book (Compliance/RuleBook.cs, Data/state-rules.json): its version names its content, entries are in
/// force between their effective dates, and a bad entry stops it loading with a message naming it.</summary>
public sealed class RuleBookTests
{
    private const string Minimal = """
        { "about": "a", "version": "test-1", "callingHours": [ ENTRY ], "dayBans": [], "holidayBans": [], "caps": [],
          "revocationScope": [], "adadRules": [], "registryStates": [] }
        """;

    private const string GoodWindow = """
        { "jurisdiction": "US-FL", "appliesTo": "marketing", "start": "08:00", "end": "20:00",
          "effectiveFrom": "2021-07-01", "citation": "Fla. Stat. 501.616(6)(a)" }
        """;

    private static RuleBook Book(string entry) => RuleBook.Parse(Minimal.Replace("ENTRY", entry, StringComparison.Ordinal));

    [Fact]
    public void Version_IsLabelAndContentHash_ChangesWithTheContent()
    {
        var book = Book(GoodWindow);
        var changed = Book(GoodWindow.Replace("20:00", "19:00", StringComparison.Ordinal));

        Assert.Equal($"test-1@{book.Sha256[..12]}", book.Version);
        Assert.Equal(64, book.Sha256.Length);
        Assert.Equal(book.Version, Book(GoodWindow).Version);
        Assert.NotEqual(book.Version, changed.Version);
        Assert.Equal(GateTestData.Rules.Version, RuleBook.Parse(GateTestData.Rules.Content).Version);
    }

    [Theory]
    [InlineData("effectiveFrom\": \"2021-07-01\"", "effectiveFrom\": \"2021-07-01\", \"effectiveTo\": \"2021-06-30\"",
        "effectiveTo is before effectiveFrom")]
    [InlineData("\"citation\": \"Fla. Stat. 501.616(6)(a)\"", "\"citation\": \" \"", "citation is required")]
    [InlineData("\"US-FL\"", "\"Florida\"", "jurisdiction must look like")]
    [InlineData("\"marketing\"", "\"sales\"", "appliesTo must be")]
    [InlineData("\"20:00\"", "\"07:00\"", "a window must start before it ends")]
    [InlineData("\"citation\"", "\"uncertain\": true, \"citation\"", "an uncertain entry needs a note")]
    [InlineData("\"citation\"", "\"timeZone\": \"Mars/Olympus\", \"citation\"", "unknown time zone")]
    [InlineData("\"citation\"", "\"sourceUrl\": \"x\", \"citation\"", "not valid JSON of the expected shape")]
    public void Parse_BadEntry_RefusedNamingIt(string from, string to, string problem)
    {
        var e = Assert.Throws<InvalidDataException>(() => Book(GoodWindow.Replace(from, to, StringComparison.Ordinal)));

        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HolidayDateOutsideItsBounds_Refused()
    {
        var json = Minimal.Replace("ENTRY", "", StringComparison.Ordinal).Replace("\"holidayBans\": []", """
            "holidayBans": [ { "jurisdiction": "US-PA", "effectiveFrom": "1990-01-01", "citation": "44 P.S. 11",
              "coveredFrom": "2026-01-01", "coveredThrough": "2026-12-31", "dates": [ "2027-01-01" ] } ]
            """, StringComparison.Ordinal);

        var e = Assert.Throws<InvalidDataException>(() => RuleBook.Parse(json));

        Assert.Contains("US-PA", e.Message, StringComparison.Ordinal);
        Assert.Contains("outside coveredFrom-coveredThrough", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    // The Mississippi holiday ban ends on 2023-06-30; the revoke-all rule starts on 2027-01-31. "In force at an instant"
    // means on that instant's date somewhere from UTC-12 to UTC+14.
    [InlineData("2023-06-30T12:00:00Z", true, false)]
    [InlineData("2023-07-01T12:00:01Z", false, false)]
    [InlineData("2027-01-30T09:59:00Z", false, false)]
    [InlineData("2027-01-30T10:00:00Z", false, true)]
    [InlineData("2027-02-01T00:00:00Z", false, true)]
    public void InForceAt_EffectiveDates_Bound(string utc, bool msHolidays, bool revokeAll)
    {
        var rules = GateTestData.Rules.InForceAt(GateTestData.Utc(utc));

        Assert.Equal(msHolidays, rules.HolidayBans.Any(h => h.Jurisdiction == "US-MS"));
        Assert.Equal(revokeAll, rules.RevocationScope.Any(r => r.Scope == "all"));
        Assert.Contains(rules.HolidayBans, h => h.Jurisdiction == "US-PA");
    }

    [Fact]
    public void EmbeddedRuleBook_EveryEntryHasSourceAndEffectiveDate()
    {
        var entries = GateTestData.Rules.Data.Entries.ToList();

        Assert.True(entries.Count > 25);
        Assert.All(entries, e =>
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Citation));
            Assert.True(e.EffectiveFrom > new DateOnly(1980, 1, 1));
            if (e.Uncertain) Assert.False(string.IsNullOrWhiteSpace(e.Note));
        });
    }
}
