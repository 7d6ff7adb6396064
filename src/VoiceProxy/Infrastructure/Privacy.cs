using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace VoiceProxy.Infrastructure;

/// <summary>The <c>VoiceProxy:Privacy</c> section: how people are named in the audit chain, and how long their personal data
/// is kept.</summary>
public sealed class PrivacyOptions
{
    public const string Section = "VoiceProxy:Privacy";

    /// <summary>Base64 key (at least 16 bytes; make one with <c>openssl rand -base64 32</c>) for the keyed pseudonym
    /// (HMAC-SHA256 of the E.164 number) that stands for a person in the audit chain and in erased records. Required outside
    /// Development. Keep it for the life of the data: with another key, erased numbers are no longer recognised.</summary>
    public string? PseudonymKey { get; set; }

    /// <summary>Days personal data is kept after it was written. Default 1826 (five years: 16 CFR 310.5); 1-36525.</summary>
    public int RetentionDays { get; set; } = 1826;

    /// <summary>How often the retention sweep runs, in minutes. Default 60; 1-1440.</summary>
    public int SweepIntervalMinutes { get; set; } = 60;

    public const string HowToMakeAKey =
        "make one with `openssl rand -base64 32` and keep it for the life of the data";
}

internal sealed class PrivacyOptionsValidator(IHostEnvironment environment) : IValidateOptions<PrivacyOptions>
{
    public ValidateOptionsResult Validate(string? name, PrivacyOptions o)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.PseudonymKey))
        {
            if (!environment.IsDevelopment())
                errors.Add($"{PrivacyOptions.Section}:PseudonymKey is required outside Development: "
                    + $"{PrivacyOptions.HowToMakeAKey}.");
        }
        else if (Secrets.FromBase64(o.PseudonymKey) is not { Length: >= 16 })
            errors.Add($"{PrivacyOptions.Section}:PseudonymKey must be base64 of at least 16 random bytes: "
                + $"{PrivacyOptions.HowToMakeAKey}.");
        if (o.RetentionDays is < 1 or > 36525)
            errors.Add($"{PrivacyOptions.Section}:RetentionDays must be between 1 and 36525.");
        if (o.SweepIntervalMinutes is < 1 or > 1440)
            errors.Add($"{PrivacyOptions.Section}:SweepIntervalMinutes must be between 1 and 1440.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>How a number is looked up in the consent and do-not-call ledgers: by the number itself, or by the marker its rows
/// carry once the person's data was erased. Both name the same person.</summary>
public readonly record struct PhoneKey(string Phone, string Erased);

/// <summary>
/// The keyed pseudonym of a person: HMAC-SHA256 of the E.164 number with <see cref="PrivacyOptions.PseudonymKey"/>, as 64
/// lower-case hex digits. Audit events carry it instead of the number; records whose personal data was erased carry
/// <c>erased:</c> and the pseudonym instead of the number, so the consent and do-not-call ledgers still find (and still
/// block) the number while no table holds it. Without the key the pseudonym cannot be turned back into a number by trying
/// every number; keep the key out of the database.
/// </summary>
public sealed class Pseudonyms
{
    public const string ErasedPrefix = "erased:";

    /// <summary>Development only, when no key is configured: fixed, so erasures survive a restart of a demo.</summary>
    private static readonly byte[] DevelopmentKey = SHA256.HashData("voiceproxy-development-pseudonym-key"u8);

    private readonly byte[] _key;

    public Pseudonyms(IOptions<PrivacyOptions> options) =>
        _key = options.Value.PseudonymKey is { Length: > 0 } key ? Secrets.FromBase64(key) ?? DevelopmentKey : DevelopmentKey;

    public string Of(string phone) => Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(phone)));

    /// <summary>What an erased record holds in place of <paramref name="phone"/>.</summary>
    public string ErasedOf(string phone) => IsErased(phone) ? phone : ErasedPrefix + Of(phone);

    /// <summary>The pseudonym of a number, or of an already erased record's marker.</summary>
    public string PersonOf(string phoneOrMarker) =>
        IsErased(phoneOrMarker) ? phoneOrMarker[ErasedPrefix.Length..] : Of(phoneOrMarker);

    public PhoneKey KeyOf(string phoneOrMarker) => new(phoneOrMarker, ErasedOf(phoneOrMarker));

    public static bool IsErased(string? value) => value?.StartsWith(ErasedPrefix, StringComparison.Ordinal) == true;
}
