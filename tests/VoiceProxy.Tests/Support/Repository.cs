namespace VoiceProxy.Tests.Support;

/// <summary>The clone the tests run from: the folder holding VoiceProxy.sln, found upwards from the test binaries.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "VoiceProxy.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"No VoiceProxy.sln above {AppContext.BaseDirectory}.");
    }
}
