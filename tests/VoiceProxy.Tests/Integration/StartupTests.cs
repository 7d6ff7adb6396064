using Microsoft.Extensions.Options;

namespace VoiceProxy.Tests.Integration;

/// <summary>A missing or invalid setting stops start-up with a message naming the full key.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("VoiceProxy:Sellers:0:LegalName", "")]
    [InlineData("VoiceProxy:Sellers:0:CallbackNumber", "555-0199")]
    [InlineData("VoiceProxy:Sellers:1:CallerIds:0", "x")]
    [InlineData("VoiceProxy:ApiKeys:0:Seller", "nobody")]
    [InlineData("VoiceProxy:ApiKeys:1:KeySha256", "abc")]
    [InlineData("VoiceProxy:OptOutDigit", "99")]
    [InlineData("VoiceProxy:Registry:MaxAgeDays", "45")]
    [InlineData("VoiceProxy:PublicBaseUrl", "not a url")]
    [InlineData("Twilio:AccountSid", "XX123")]
    [InlineData("Twilio:RingTimeoutSeconds", "5")]
    public void Startup_InvalidSetting_FailsNamingTheKey(string key, string value)
    {
        using var app = new VoiceProxyApplication(new() { [key] = value });

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        var validation = Assert.IsType<OptionsValidationException>(error.GetBaseException());
        Assert.Contains(key, validation.Message);
    }

    [Fact]
    public void Startup_BadTemplate_FailsNamingFileAndReason()
    {
        var folder = CopyOfTemplates();
        File.WriteAllText(Path.Combine(folder, "en-US", "evil.xml"), """<Message purpose="transactional"><Dial>+19005550000</Dial></Message>""");
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:TemplatesPath"] = folder });

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("evil.xml", error.GetBaseException().Message);
        Assert.Contains("<Dial> is not allowed", error.GetBaseException().Message);
    }

    /// <summary>A writable copy of the shipped templates, to break one file at a time.</summary>
    internal static string CopyOfTemplates()
    {
        var source = Path.Combine(AppContext.BaseDirectory, "twiml-templates");
        var folder = Directory.CreateTempSubdirectory("templates-").FullName;
        foreach (var file in Directory.EnumerateFiles(source, "*.xml", SearchOption.AllDirectories))
        {
            var target = Path.Combine(folder, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return folder;
    }
}
