using System.Text.RegularExpressions;

namespace VoiceProxy.Tests.Hosting;

/// <summary>docs/architecture.md, "Dependency direction": no two feature folders of src/VoiceProxy use each other. Uses are read
/// from the source as a newcomer would: <c>using VoiceProxy.X;</c> lines and qualified names (<c>VoiceProxy.X.Type</c> or,
/// inside the project's namespaces, <c>X.Type</c>).</summary>
public sealed partial class FolderDependencyTests
{
    private static readonly string Source = Path.Combine(Repository.Root, "src", "VoiceProxy");

    private static string[] Folders() =>
        Directory.GetDirectories(Source).Select(Path.GetFileName).OfType<string>()
            .Where(f => f is not ("bin" or "obj" or "wwwroot" or "Properties")).Order().ToArray();

    [GeneratedRegex(@"^\s*using\s+VoiceProxy\.(?<folder>[A-Za-z]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingLine();

    /// <summary>The folder each file uses, by name: <c>Folder.Type</c> with an upper-case type name after the dot.</summary>
    private static Regex Qualified(IEnumerable<string> folders) =>
        new($@"(?<![\w.])(?:VoiceProxy\.)?(?<folder>{string.Join('|', folders)})\.[A-Z]", RegexOptions.Compiled);

    private static Dictionary<string, HashSet<string>> Uses()
    {
        var folders = Folders();
        var qualified = Qualified(folders);
        var uses = folders.ToDictionary(f => f, _ => new HashSet<string>());
        var migrations = $"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}";
        foreach (var folder in folders)
            foreach (var file in Directory.EnumerateFiles(Path.Combine(Source, folder), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains(migrations, StringComparison.Ordinal)))
            {
                // Comments name other folders freely; only code counts.
                var lines = File.ReadLines(file).Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal));
                var code = string.Join('\n', lines);
                foreach (Match m in UsingLine().Matches(code)) uses[folder].Add(m.Groups["folder"].Value);
                foreach (Match m in qualified.Matches(code)) uses[folder].Add(m.Groups["folder"].Value);
                uses[folder].Remove(folder);
            }
        return uses;
    }

    [Fact]
    public void FeatureFolders_NoTwoUseEachOther()
    {
        var uses = Uses();

        var pairs = uses.SelectMany(a => a.Value.Where(b => uses.TryGetValue(b, out var back) && back.Contains(a.Key))
            .Select(b => string.CompareOrdinal(a.Key, b) < 0 ? $"{a.Key} <-> {b}" : $"{b} <-> {a.Key}")).Distinct().ToList();

        Assert.True(pairs.Count == 0, "Folders that use each other: " + string.Join(", ", pairs));
    }

    [Fact]
    public void DataAndInfrastructure_AtTheBottom_UseNoFeature()
    {
        var uses = Uses();

        Assert.Empty(uses["Infrastructure"]);
        Assert.Equal(["Infrastructure"], uses["Data"].Order());
    }

    [Fact]
    public void FolderScan_FindsTheFoldersAndTheirKnownUses()
    {
        var uses = Uses();

        // A scan that found nothing would pass the tests above: check that it sees what is known to be there.
        Assert.Contains("Telephony", Folders());
        Assert.Contains("Compliance", uses["Calls"]);
        Assert.Contains("Consent", uses["Compliance"]);
        Assert.Contains("Twiml", uses["Telephony"]);
    }
}
