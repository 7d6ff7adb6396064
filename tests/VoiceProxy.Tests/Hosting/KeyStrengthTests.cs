using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Tests.Hosting;

/// <summary>No guessable key starts a service outside Development: the example file's placeholders, well-known keys and their
/// digests, and plain keys under 128 bits are refused with the recipe for a good key; a random key is taken.</summary>
public sealed class KeyStrengthTests
{
    private const string Recipe = "openssl rand -base64 32";

    private static string Sha256(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    [Fact]
    public async Task ExampleFile_ItsKeysAreRefusedAtStartUpInProduction()
    {
        var example = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "appsettings.example.json")))!;
        var keys = example["VoiceProxy"]!["ApiKeys"]!.AsArray();
        var settings = new TestSettings().OneSeller().Set("Twilio:Mode", "Simulated");
        for (var i = 0; i < keys.Count; i++)
            foreach (var (field, value) in keys[i]!.AsObject())
                settings.Set($"VoiceProxy:ApiKeys:{i}:{field}", value!.ToString());
        using var service = ServiceProcess.WithOwnStore(settings);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => service.StartAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains("VoiceProxy exited with 1", error.Message);
        for (var i = 0; i < keys.Count; i++)
        {
            var line = Assert.Single(service.Output, l => l.StartsWith($"error: VoiceProxy:ApiKeys:{i}:KeySha256 ",
                StringComparison.Ordinal));
            Assert.Contains(Recipe, line);
        }
    }

    /// <summary>The digests the example file used to ship (of "test", "test2" and "test3"), other well-known keys, the demo
    /// keys, and plain keys too short or too repetitive to hold 128 bits.</summary>
    public static TheoryData<string, string> WeakKeys => new()
    {
        { "KeySha256", Sha256("test") },
        { "KeySha256", Sha256("test2") },
        { "KeySha256", Sha256("test3") },
        { "KeySha256", Sha256("password") },
        { "KeySha256", Sha256("") },
        { "KeySha256", Sha256("dev-only-admin-key-0001") },
        { "Key", "changeme" },
        { "Key", "dev-only-supervisor-key" },
        { "Key", "short-key-0001" },
        { "Key", "0123456789abcdef0123456789abcdef"[..30] },
        { "Key", new string('x', 64) },
        { "Key", string.Concat(Enumerable.Repeat("abc123", 10)) },
    };

    [Theory]
    [MemberData(nameof(WeakKeys))]
    public void Startup_WeakKeyOutsideDevelopment_RefusedWithTheRecipe(string field, string value)
    {
        using var app = new VoiceProxyApplication(new()
        {
            ["VoiceProxy:ApiKeys:3:Key"] = field == "Key" ? value : null,
            ["VoiceProxy:ApiKeys:3:KeySha256"] = field == "KeySha256" ? value : null,
        });

        var error = Assert.ThrowsAny<Exception>(app.CreateClient);

        var validation = Assert.IsType<OptionsValidationException>(error.GetBaseException());
        var failure = Assert.Single(validation.Failures);
        Assert.StartsWith($"VoiceProxy:ApiKeys:3:{field} ", failure);
        Assert.Contains("refused outside Development", failure);
        Assert.Contains(Recipe, failure);
    }

    [Fact]
    public async Task Startup_RandomKeyAsKeyOrDigest_AcceptedAndAuthenticates()
    {
        var plain = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var digested = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var hex = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        using var app = new VoiceProxyApplication(new()
        {
            ["VoiceProxy:ApiKeys:3:Key"] = plain,
            ["VoiceProxy:ApiKeys:4:Name"] = "digested", ["VoiceProxy:ApiKeys:4:KeySha256"] = Sha256(digested),
            ["VoiceProxy:ApiKeys:4:Role"] = "Supervisor",
            ["VoiceProxy:ApiKeys:5:Name"] = "hex", ["VoiceProxy:ApiKeys:5:Key"] = hex,
            ["VoiceProxy:ApiKeys:5:Role"] = "Supervisor",
        });

        foreach (var key in new[] { plain, digested, hex })
            Assert.Equal(HttpStatusCode.OK, (await app.ClientWithKey(key).GetAsync("/v1/registry")).StatusCode);
    }

    [Fact]
    public async Task Development_WeakKey_StartsWithAnAdvisory()
    {
        using var app = new VoiceProxyApplication(new()
        {
            // The demo file's keys merge with these by index; this one's Key would collide with the test's digest.
            ["VoiceProxy:ApiKeys:1:Key"] = "",
            ["VoiceProxy:ApiKeys:3:Key"] = "short-key",
        });
        using var development = app.WithWebHostBuilder(b => b.UseEnvironment("Development"));

        var response = await development.CreateClient().GetAsync("/health/ready");
        var advisories = development.Services.GetRequiredService<IOptions<VoiceProxyOptions>>().Value.Advisories();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(advisories, a => a.StartsWith("VoiceProxy:ApiKeys:3:Key is weak", StringComparison.Ordinal)
            && a.Contains(Recipe, StringComparison.Ordinal));
    }
}
