using System.Net;
using System.Text.RegularExpressions;

namespace VoiceProxy.Tests.Hosting;

/// <summary>The frame is enforced, not conventional (issue 14, item 6), and template variables are typed (item 8): start-up
/// refuses a template set that breaks a rule, naming the file and the reason. The checks are the loader's own, for any
/// language folder: each case breaks one part of a shipped frame.</summary>
public sealed class FrameStartupTests
{
    private const string Opt = "<OptOut><Say>Press {{optOutDigit}} or say stop to stop these calls.</Say></OptOut>";

    public static TheoryData<string, string, string, string> BrokenFrames => new()
    {
        { "en-US", "Identity", "<Identity><Say>Great news today! This is {{sellerName}}.</Say></Identity>",
            "the seller's identity must be the first thing said" },
        { "es-US", "Identity", "<Identity><Say>Hola.</Say></Identity>", "<Identity> must say {{sellerName}}" },
        { "en-US", "Identity",
            "<Identity><Play>https://sounds.example/chime.mp3</Play><Say>This is {{sellerName}}.</Say></Identity>",
            "a <Play> in <Identity> would stand between" },
        { "es-US", "Identity", "<Identity><Say>Le llama {{sellerName}}.</Say><Pause length=\"1\"/></Identity>",
            "a <Pause> in <Identity> would stand between" },
        { "en-US", "Identity", "<Identity><Say loop=\"2\">This is {{sellerName}}.</Say></Identity>", "<Say loop=\"2\">" },
        { "en-US", "Identity", "<Identity><Say>This is {{sellerName}}. We have a great offer for you.</Say></Identity>",
            "\"We have a great offer for you.\" stands between the seller's identity and the opt-out instruction" },
        { "en-US", "OptOut", "<OptOut><Pause length=\"1\"/><Say>Press {{optOutDigit}} to stop.</Say></OptOut>",
            "a <Pause> in <OptOut> would stand between" },
        { "es-US", "OptOut", "<OptOut><Say>Gracias por su preferencia. Marque {{optOutDigit}}.</Say></OptOut>",
            "<OptOut> must start with the opt-out instruction" },
        { "en-US", "OptOut", "<OptOut><Say>Say stop at any time to stop these calls.</Say></OptOut>",
            "<OptOut> must say {{optOutDigit}}" },
        { "en-US", "OptOut",
            "<OptOut><Say>If you would rather not get any more of these calls from us, press {{optOutDigit}}.</Say></OptOut>",
            "about 7.0 s after the seller's name (14 words at 2 words per second)" },
        { "en-US", "Identity",
            "<Identity><Say>This is {{sellerName}}, serving the whole county with pride since 1950.</Say></Identity>",
            "about 4.5 s after the seller's name (9 words at 2 words per second)" },
        { "es-US", "OptOut",
            "<OptOut><Say>Para no recibir llamadas de {{sellerName}}, marque {{optOutDigit}}.</Say></OptOut>",
            "{{sellerName}} between the seller's name and the opt-out digit has no length known" },
        { "en-US", "Voicemail",
            "<Voicemail><Say>Call {{callbackNumber}}.</Say><Say>This was {{sellerName}}; {{optOutNumber}}.</Say></Voicemail>",
            "<Voicemail> must start with a <Say> of one sentence naming {{sellerName}}" },
        { "es-US", "OptOutLine", "<OptOutLine><Say>Llámenos.</Say></OptOutLine>", "<OptOutLine> must say {{optOutNumber}}" },
        { "en-US", "InboundAnonymous", "", "the frame has no <InboundAnonymous> part" },
        // French: the same checks as English and Spanish, and every frame must be able to speak to Canada.
        { "fr-CA", "Identity", "<Identity><Say>Bonne nouvelle! Ceci est {{sellerName}}.</Say></Identity>",
            "the seller's identity must be the first thing said" },
        { "fr-CA", "OptOut",
            "<OptOut><Say>Si vous ne voulez plus jamais recevoir nos appels, appuyez sur {{optOutDigit}}.</Say></OptOut>",
            "after the seller's name" },
        { "fr-CA", "Voicemail",
            "<Voicemail><Say>Rappelez le {{callbackNumber}}.</Say>"
                + "<Say>C'était {{sellerName}}; {{optOutNumber}}.</Say></Voicemail>",
            "<Voicemail> must start with a <Say> of one sentence naming {{sellerName}}" },
        { "fr-CA", "CanadaContact", "<CanadaContact><Say>Appelez le {{callbackNumber}}.</Say></CanadaContact>",
            "<CanadaContact> must say {{mailingAddress}}" },
        { "en-US", "CanadaContact", "", "the frame has no <CanadaContact> part" },
    };

    [Theory]
    [MemberData(nameof(BrokenFrames))]
    public void Startup_FrameBreakingTheOrderOrBudget_FailsNamingFileAndReason(
        string language, string part, string replacement, string reason)
    {
        var folder = StartupTests.CopyOfTemplates();
        var file = Path.Combine(folder, language, "_frame.xml");
        var frame = File.ReadAllText(file);
        Assert.Matches($"<{part}>", frame);
        File.WriteAllText(file, Regex.Replace(frame, $"<{part}>.*?</{part}>", replacement.Replace("$", "$$")));

        AssertStartupFails(folder, $"{language}{Path.DirectorySeparatorChar}_frame.xml", reason);
    }

    /// <summary>Digit first with nothing between: what the shipped frames do, in both languages, passes.</summary>
    [Fact]
    public async Task Startup_FrameWithDigitRightAfterTheIdentity_Starts()
    {
        var folder = StartupTests.CopyOfTemplates();
        var file = Path.Combine(folder, "en-US", "_frame.xml");
        File.WriteAllText(file, Regex.Replace(File.ReadAllText(file), "<OptOut>.*?</OptOut>", Opt));
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:TemplatesPath"] = folder });

        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/health/ready")).StatusCode);
    }

    [Theory]
    [InlineData("en-US/receipt.xml", """<Message purpose="transactional"><Say>Thanks for order {{orderId}}.</Say></Message>""",
        "{{orderId}} is not declared in _variables.xml")]
    [InlineData("es-US/aviso.xml", """<Message purpose="transactional"><Say>Aviso: {{offer}}.</Say></Message>""",
        "{{offer}} is free text (text), which only a marketing message may use")]
    [InlineData("_variables.xml", """<Variables><Variable name="orderNumber" type="integer"/></Variables>""",
        "orderNumber has type \"integer\"; the types are")]
    [InlineData("_variables.xml",
        """<Variables><Variable name="offer" type="text"/><Variable name="offer" type="text"/></Variables>""",
        "offer is declared twice")]
    public void Startup_UntypedOrFreeTextVariable_FailsNamingFileAndReason(string file, string content, string reason)
    {
        var folder = StartupTests.CopyOfTemplates();
        File.WriteAllText(Path.Combine(folder, file), content);

        AssertStartupFails(folder, file.Replace('/', Path.DirectorySeparatorChar), reason);
    }

    private static void AssertStartupFails(string folder, string file, string reason)
    {
        using var app = new VoiceProxyApplication(new() { ["VoiceProxy:TemplatesPath"] = folder });

        var message = Assert.ThrowsAny<Exception>(app.CreateClient).GetBaseException().Message;

        Assert.Contains(file, message);
        Assert.Contains(reason, message);
    }
}
