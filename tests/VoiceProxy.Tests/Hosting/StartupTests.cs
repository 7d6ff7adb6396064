using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace VoiceProxy.Tests.Hosting;

/// <summary>A missing or invalid setting stops start-up with a message naming the full key.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("VoiceProxy:Sellers:0:LegalName", "")]
    [InlineData("VoiceProxy:Sellers:0:CallbackNumber", "555-0199")]
    [InlineData("VoiceProxy:Sellers:1:CallerIds:0", "x")]
    [InlineData("VoiceProxy:Sellers:0:OptOutNumber", "+19005550198")]
    [InlineData("VoiceProxy:Sellers:0:CallbackNumber", "+19005550199")]
    [InlineData("VoiceProxy:ApiKeys:0:Seller", "nobody")]
    [InlineData("VoiceProxy:ApiKeys:1:KeySha256", "abc")]
    [InlineData("VoiceProxy:OptOutDigit", "99")]
    [InlineData("VoiceProxy:Registry:MaxAgeDays", "45")]
    [InlineData("VoiceProxy:PublicBaseUrl", "not a url")]
    [InlineData("Twilio:AccountSid", "AC/../x")]
    [InlineData("Twilio:RingTimeoutSeconds", "5")]
    public void Startup_InvalidSetting_FailsNamingTheKey(string key, string value)
    {
        using var app = new VoiceProxyApplication(new() { [key] = value });

        var error = Assert.ThrowsAny<Exception>(app.CreateClient);

        var validation = Assert.IsType<OptionsValidationException>(error.GetBaseException());
        Assert.Contains(key, validation.Message);
    }

    [Fact]
    public async Task Startup_WorkableButWeakSettings_StartsAndNamesEachInTheAdvisories()
    {
        using var app = new VoiceProxyApplication(new(VoiceProxyApplication.WithInitech("test-initech-caller-key-0001"))
        {
            ["VoiceProxy:Sellers:0:CallbackNumber"] = VoiceProxyApplication.AcmeCallerId,
            ["VoiceProxy:Sellers:0:OptOutNumber"] = "+14155550198",
        });

        var advisories = app.Services.GetRequiredService<IOptions<VoiceProxy.Infrastructure.VoiceProxyOptions>>()
            .Value.Advisories().ToList();

        Assert.Equal(System.Net.HttpStatusCode.OK, (await app.CreateClient().GetAsync("/health/ready")).StatusCode);
        Assert.Contains(advisories, a => a.StartsWith("VoiceProxy:Sellers:0:CallbackNumber is also a caller ID",
            StringComparison.Ordinal));
        Assert.Contains(advisories, a => a.StartsWith("VoiceProxy:Sellers:0:OptOutNumber is not toll-free",
            StringComparison.Ordinal));
        Assert.Contains(advisories, a => a.StartsWith("VoiceProxy:Sellers:2:OptOutNumber is not set", StringComparison.Ordinal));
    }

    [Fact]
    public void Startup_LiveModeWithoutPublicBaseUrl_FailsNamingTheKey()
    {
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:PublicBaseUrl"] = " " });

        var error = Assert.ThrowsAny<Exception>(app.CreateClient);

        Assert.Contains("VoiceProxy:PublicBaseUrl is required in Live mode", error.GetBaseException().Message);
    }

    [Theory]
    [InlineData("en-US/evil.xml", """<Message purpose="transactional"><Dial>+19005550000</Dial></Message>""",
        "<Dial> is not allowed")]
    [InlineData("en-US/broken.xml", """<Message purpose="transactional"><Say>unclosed</Message>""", "malformed XML")]
    [InlineData("en-US/no-purpose.xml", """<Message><Say>hi</Say></Message>""", "needs purpose")]
    [InlineData("en-US/offer.xml", """<Message purpose="marketing"><Say>buy</Say></Message>""", "must say what it sells")]
    [InlineData("en-US/nested.xml", """<Message purpose="transactional"><Say><Dial>1</Dial></Say></Message>""", "text only")]
    [InlineData("en-US/attr.xml", """<Message purpose="transactional"><Say action="https://x">hi</Say></Message>""",
        "may not carry action")]
    [InlineData("es-US/_frame.xml", """<Frame><Identity><Say>{{sellerName}}</Say></Identity></Frame>""", "has no <OptOut> part")]
    [InlineData("es-US/_frame.xml", """<Frame><Identity><Say>{{nombre}}</Say></Identity></Frame>""",
        "unknown placeholder {{nombre}}")]
    public void Startup_BadTemplate_FailsNamingFileAndReason(string file, string content, string reason)
    {
        var folder = CopyOfTemplates();
        File.WriteAllText(Path.Combine(folder, file), content);
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:TemplatesPath"] = folder });

        var error = Assert.ThrowsAny<Exception>(app.CreateClient);

        Assert.Contains(Path.GetFileName(file), error.GetBaseException().Message);
        Assert.Contains(reason, error.GetBaseException().Message);
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
