namespace VoiceProxy.Infrastructure;

/// <summary>Secrets given as base64 (<c>openssl rand -base64 32</c>), in a setting or a key file: one way of reading them for
/// the audit key, the pseudonym key and the data-protection key-encryption key.</summary>
internal static class Secrets
{
    /// <summary>The secret's bytes (white space around it ignored), or null when it is not base64.</summary>
    public static byte[]? FromBase64(string? text)
    {
        text = text?.Trim() ?? "";
        var bytes = new byte[text.Length];
        return Convert.TryFromBase64String(text, bytes, out var length) ? bytes[..length] : null;
    }
}
