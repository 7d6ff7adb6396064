using System.Security.Cryptography;
using System.Text;

namespace VoiceProxy.Infrastructure;

/// <summary>
/// Whether a configured API key could be guessed. Outside Development a key must be at least 128 bits strong: a plain
/// <c>Key</c> by an estimate from its length and alphabet, and neither a <c>Key</c> nor a <c>KeySha256</c> may be a
/// placeholder or a well-known key (test, password, the demo keys, ...), which a digest cannot hide.
/// </summary>
internal static class KeyStrength
{
    public const int MinimumBits = 128;

    /// <summary>The one-line recipe every refusal ends with.</summary>
    public const string HowToMakeOne =
        "make one with `KEY=$(openssl rand -base64 32)` and give its digest `printf %s \"$KEY\" | sha256sum` as KeySha256";

    /// <summary>What appsettings.example.json ships in KeySha256: refused, so a copied example cannot start.</summary>
    public const string Placeholder = "REPLACE-with-the-sha256-of-a-key-from-openssl-rand-base64-32";

    /// <summary>Keys anyone would try first, and every key published with this project (the Development demo keys).</summary>
    private static readonly string[] WellKnown =
    [
        "", "test", "test1", "test2", "test3", "testing", "password", "password1", "changeme", "change-me", "secret",
        "admin", "administrator", "root", "key", "apikey", "api-key", "api_key", "letmein", "welcome", "default", "demo",
        "example", "sample", "placeholder", "123456", "12345678", "1234567890", "qwerty", "caller", "supervisor",
        "voiceproxy", "dev-only-acme-caller-key", "dev-only-globex-caller-key", "dev-only-supervisor-key",
        "dev-only-admin-key-0001", "your-api-key", "replace-me", "REPLACE_ME", Placeholder,
    ];

    private static readonly HashSet<string> WellKnownDigests = WellKnown
        .SelectMany(k => new[] { k, k.ToUpperInvariant() })
        .Select(k => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(k))))
        .Concat([new string('0', 64), new string('f', 64)])
        .ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Why the key is weak, or null when it is not: a placeholder, a well-known key, or (plain keys only) too few
    /// bits.</summary>
    public static string? Weakness(ApiKeyOptions key)
    {
        if (key.KeySha256 is { Length: > 0 } digest)
            return digest.Equals(Placeholder, StringComparison.OrdinalIgnoreCase) || WellKnownDigests.Contains(digest)
                ? "is a placeholder or the digest of a well-known key"
                : null;
        var plain = key.Key ?? "";
        if (WellKnownDigests.Contains(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(plain)))))
            return "is a well-known key";
        var bits = EstimateBits(plain);
        return bits < MinimumBits ? $"has about {bits:0} bits of entropy, fewer than {MinimumBits}" : null;
    }

    /// <summary>
    /// An upper estimate of a key's strength: its length times log2 of the alphabet its characters are drawn from (digits 10, hex
    /// digits 16, each letter case 26, other ASCII symbols 33, anything else 128). A random key reaches it; a chosen one
    /// does not, which is why well-known keys are listed. A key of fewer than 8 distinct characters is counted by those alone
    /// (as if that were its length), so "aaaa…" or "abab…" is weak however long.
    /// </summary>
    public static double EstimateBits(string key)
    {
        if (key.Length == 0) return 0;
        var alphabet = 0;
        if (key.All(char.IsAsciiDigit)) alphabet = 10;
        else if (key.All(Uri.IsHexDigit) && !(key.Any(char.IsAsciiLetterLower) && key.Any(char.IsAsciiLetterUpper)))
            alphabet = 16;
        else
        {
            if (key.Any(char.IsAsciiDigit)) alphabet += 10;
            if (key.Any(char.IsAsciiLetterLower)) alphabet += 26;
            if (key.Any(char.IsAsciiLetterUpper)) alphabet += 26;
            if (key.Any(c => char.IsAscii(c) && !char.IsAsciiLetterOrDigit(c))) alphabet += 33;
            if (key.Any(c => !char.IsAscii(c))) alphabet += 128;
        }
        var distinct = key.Distinct().Count();
        var length = distinct < 8 ? distinct : key.Length;
        return length * Math.Log2(Math.Max(alphabet, 2));
    }
}
