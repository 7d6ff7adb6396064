using System.Security.Cryptography;
using System.Text;

namespace VoiceProxy.Tests.Support;

/// <summary>Settings for a VoiceProxy instance, written key by key as the configuration reads them; sellers and API keys are
/// numbered in the order they are added. The numbers, keys and tokens are made up.</summary>
public sealed class TestSettings
{
    /// <summary>The pseudonym key every test instance gets (base64 of made-up bytes); a test that wants none removes
    /// it.</summary>
    public const string PseudonymKey = "bWFkZS11cC10ZXN0LXBzZXVkb255bS1rZXktMDAwMDE=";

    private readonly Dictionary<string, string> _values = new() { ["VoiceProxy:Privacy:PseudonymKey"] = PseudonymKey };
    private int _sellers;
    private int _keys;

    public TestSettings Set(string key, string value)
    {
        _values[key] = value;
        return this;
    }

    public TestSettings Set(IEnumerable<KeyValuePair<string, string>> settings)
    {
        foreach (var (key, value) in settings) _values[key] = value;
        return this;
    }

    /// <summary>A SQLite file and a registry folder inside <paramref name="folder"/>.</summary>
    public TestSettings StoreIn(string folder) =>
        Set("ConnectionStrings:VoiceProxy", $"Data Source={Path.Combine(folder, "voiceproxy.db")}")
            .Set("VoiceProxy:Registry:Path", Path.Combine(folder, "registry"));

    /// <summary>Twilio's API and Lookup at <paramref name="apiBaseUrl"/> (a stand-in), with the test account and this auth
    /// token.</summary>
    public TestSettings Twilio(string apiBaseUrl, string authToken) =>
        Set("Twilio:AccountSid", VoiceProxyApplication.AccountSid).Set("Twilio:AuthToken", authToken).Set("Twilio:ApiBaseUrl",
            apiBaseUrl).Set("Twilio:LookupBaseUrl", apiBaseUrl);

    /// <summary>Per-key rate limits so high that tests sending many requests at once never meet them.</summary>
    public TestSettings Unlimited() =>
        Set("VoiceProxy:Limits:PermitsPerSecond", "100000").Set("VoiceProxy:Limits:Burst", "100000");

    /// <summary>The next seller, with its callback number and caller IDs.</summary>
    public TestSettings Seller(string id, string legalName, string callbackNumber, IEnumerable<string> callerIds,
        string? optOutNumber = null, bool? writtenConsentExemptsRegistry = null)
    {
        var prefix = $"VoiceProxy:Sellers:{_sellers++}:";
        Set(prefix + "Id", id).Set(prefix + "LegalName", legalName).Set(prefix + "CallbackNumber", callbackNumber);
        foreach (var (callerId, i) in callerIds.Select((c, i) => (c, i))) Set($"{prefix}CallerIds:{i}", callerId);
        if (optOutNumber is not null) Set(prefix + "OptOutNumber", optOutNumber);
        if (writtenConsentExemptsRegistry is { } exempts) Set(prefix + "WrittenConsentExemptsRegistry",
            exempts ? "true" : "false");
        return this;
    }

    /// <summary>A seller with Acme's callback number and first caller ID only; Acme unless named otherwise.</summary>
    public TestSettings OneSeller(string id = "acme", string legalName = "Acme Outdoor Supply") =>
        Seller(id, legalName, "+18005550199", [VoiceProxyApplication.AcmeCallerId]);

    /// <summary>The next API key, given as it is sent.</summary>
    public TestSettings ApiKey(string name, string key, string role, string? seller = null) =>
        Key(name, "Key", key, role, seller);

    /// <summary>The next API key, given as the SHA-256 digest of what is sent.</summary>
    public TestSettings ApiKeyDigest(string name, string key, string role, string? seller = null) =>
        Key(name, "KeySha256", Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))), role, seller);

    private TestSettings Key(string name, string field, string value, string role, string? seller)
    {
        var prefix = $"VoiceProxy:ApiKeys:{_keys++}:";
        Set(prefix + "Name", name).Set(prefix + field, value).Set(prefix + "Role", role);
        return seller is null ? this : Set(prefix + "Seller", seller);
    }

    public TestSettings Remove(string key)
    {
        _values.Remove(key);
        return this;
    }

    public Dictionary<string, string> Build() => new(_values);

    /// <summary>The settings as <see cref="VoiceProxyApplication"/> takes them.</summary>
    public Dictionary<string, string?> BuildForApplication() => _values.ToDictionary(p => p.Key, string? (p) => p.Value);
}
