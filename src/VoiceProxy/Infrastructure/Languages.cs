namespace VoiceProxy.Infrastructure;

/// <summary>The languages calls are made in; each has its frame and templates in twiml-templates/&lt;language&gt;.</summary>
internal static class Languages
{
    public static readonly string[] All = ["en-US", "es-US", "fr-CA"];
    public static bool IsSupported(string? language) => language is not null && All.Contains(language);
}
