using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Audit;

/// <summary>
/// A sealing key. The chain's MACs, the checkpoints' signatures and the key's public id each use their own key derived from
/// the secret (HMAC-SHA256 of the secret over a fixed label), so none of them can be turned into another.
/// </summary>
public sealed class AuditKey(byte[] secret)
{
    /// <summary>Shortest secret accepted: 256 bits, HMAC-SHA256's own strength.</summary>
    public const int MinimumBytes = 32;

    private readonly byte[] _chain = Derive(secret, "voiceproxy audit chain v1");
    private readonly byte[] _checkpoint = Derive(secret, "voiceproxy audit checkpoint v1");

    /// <summary>Names the key in seals and checkpoints without revealing it: 16 hex digits of a keyed digest.</summary>
    public string Id { get; } = Convert.ToHexStringLower(Derive(secret, "voiceproxy audit key id v1").AsSpan(0, 8));

    /// <summary>The chain's MAC of an event's canonical form, as lower-case hex.</summary>
    public string Mac(byte[] canonical) => Convert.ToHexStringLower(HMACSHA256.HashData(_chain, canonical));

    public string SignCheckpoint(byte[] canonical) => Convert.ToHexStringLower(HMACSHA256.HashData(_checkpoint, canonical));

    private static byte[] Derive(byte[] secret, string label) => HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(label));
}

/// <summary>The key that seals now, and the retired keys that still verify what they sealed, found by id.</summary>
public sealed class AuditKeys
{
    /// <summary>A made-up, public key for Development and Testing only: anyone can forge a chain sealed with it.</summary>
    public const string DevelopmentKey = "dm9pY2Vwcm94eS1kZXZlbG9wbWVudC1hdWRpdC1rZXktbm90LXNlY3JldA==";

    public const string MakeOne =
        "make one with `openssl rand -base64 32` and give it as VoiceProxy:Audit:Key, or write it to a file named by "
        + "VoiceProxy:Audit:KeyFile (readable by the service only)";

    private readonly Dictionary<string, AuditKey> _byId = [];

    public AuditKeys(AuditKey current, IEnumerable<AuditKey> retired)
    {
        Current = current;
        foreach (var key in retired.Prepend(current)) _byId.TryAdd(key.Id, key);
    }

    public AuditKey Current { get; }

    public IEnumerable<string> Ids => _byId.Keys;

    public AuditKey? Find(string? id) => id is null ? null : _byId.GetValueOrDefault(id);

    /// <summary>The configured keys, or the problems with them, one line each. Without a key, Development and Testing seal
    /// with <see cref="DevelopmentKey"/>; everywhere else that key, a short one or none at all is refused.</summary>
    public static (AuditKeys? Keys, List<string> Problems) Load(AuditOptions o, bool development)
    {
        var problems = new List<string>();
        const string prefix = VoiceProxyOptions.Section + ":Audit:";
        var text = o.Key;
        var source = prefix + "Key";
        if (o.Key is { Length: > 0 } && o.KeyFile is { Length: > 0 })
            problems.Add($"{prefix}Key and {prefix}KeyFile are both set; give exactly one.");
        else if (o.KeyFile is { Length: > 0 })
        {
            source = prefix + "KeyFile";
            const UnixFileMode others = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.GroupWrite;
            if (!development && !OperatingSystem.IsWindows() && File.Exists(o.KeyFile)
                && (File.GetUnixFileMode(o.KeyFile) & others) != 0)
                problems.Add($"{source} {o.KeyFile} may be read or written by other users; "
                    + "make it readable by the service only (chmod 600), or " + MakeOne + ".");
            try { text = File.ReadAllText(o.KeyFile); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{source} {o.KeyFile} cannot be read ({e.Message}); {MakeOne}.");
            }
        }
        else if (string.IsNullOrWhiteSpace(o.Key))
        {
            if (development) text = DevelopmentKey;
            else problems.Add($"{prefix}Key is not set: the audit trail needs a sealing key that is not in the database; "
                + $"{MakeOne}.");
        }
        var current = problems.Count == 0 ? Parse(text, source, development, problems) : null;
        var retired = o.RetiredKeys.Select((k, i) => Parse(k, $"{prefix}RetiredKeys:{i}", development, problems)).ToList();
        return problems.Count > 0 || current is null
            ? (null, problems)
            : (new AuditKeys(current, retired.OfType<AuditKey>()), problems);
    }

    private static AuditKey? Parse(string? text, string source, bool development, List<string> problems)
    {
        if (Secrets.FromBase64(text) is not { Length: >= AuditKey.MinimumBytes } secret)
        {
            problems.Add($"{source} must be base64 of at least {AuditKey.MinimumBytes} random bytes; {MakeOne}.");
            return null;
        }
        if (!development && (text!.Trim() == DevelopmentKey || secret.Distinct().Count() < 8))
        {
            problems.Add($"{source} is the public development key or not random; {MakeOne}.");
            return null;
        }
        return new AuditKey(secret);
    }
}

/// <summary>Start-up refuses a missing or weak sealing key outside Development and Testing.</summary>
internal sealed class AuditKeyValidator(IHostEnvironment environment) : IValidateOptions<VoiceProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, VoiceProxyOptions options)
    {
        var (_, problems) = AuditKeys.Load(options.Audit, AllowsDevelopmentKey(environment));
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    public static bool AllowsDevelopmentKey(IHostEnvironment environment) =>
        environment.IsDevelopment() || environment.IsEnvironment("Testing");
}
