using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace VoiceProxy.Telephony;

/// <summary>What the signature filter proved about a webhook: <see cref="DedupKey"/> names exactly what Twilio signed (the
/// URL and the form), so a captured request sent again, whatever headers it carries, is recognised as the same
/// delivery.</summary>
internal sealed record VerifiedWebhook(string DedupKey);

/// <summary>
/// Twilio's X-Twilio-Signature: HMAC-SHA1, keyed with the auth token, over the full URL followed by each form field's name and
/// value, fields in ordinal order of their names. A name sent more than once contributes name+value for each of its distinct
/// values in ordinal order (what Twilio's servers sign, as the Node and Python helper libraries reproduce; the .NET SDK's
/// RequestValidator instead joins repeated values with commas through NameValueCollection, which Twilio never signs). Like
/// the SDK, the URL is also tried with the default port added (or removed), since Twilio has signed either form.
/// <para>Built once per endpoint; a check encodes into a pooled buffer and hashes into stack memory, so a status callback
/// costs no allocation beyond its dedup key.</para>
/// </summary>
internal sealed class WebhookSignature
{
    private const int SignatureChars = 28; // base64 of the 20-byte HMAC-SHA1
    private readonly byte[] _key;
    private readonly byte[] _base;
    private readonly byte[]? _otherPort;

    public WebhookSignature(string authToken, string baseUrl)
    {
        _key = Encoding.UTF8.GetBytes(authToken);
        _base = Encoding.UTF8.GetBytes(baseUrl);
        var other = OtherPortForm(baseUrl);
        _otherPort = other is null ? null : Encoding.UTF8.GetBytes(other);
    }

    /// <summary>The delivery's dedup key when <paramref name="presented"/> is Twilio's signature of the base URL followed by
    /// <paramref name="path"/> and <paramref name="query"/> (both as sent), and of <paramref name="form"/>; null
    /// otherwise.</summary>
    public VerifiedWebhook? Verify(string path, string? query, IFormCollection form, string? presented)
    {
        if (presented is not { Length: SignatureChars }) return null;
        var keys = ArrayPool<string>.Shared.Rent(Math.Max(form.Count, 1));
        byte[]? buffer = null;
        try
        {
            form.Keys.CopyTo(keys, 0);
            SortOrdinal(keys.AsSpan(0, form.Count));
            var prefix = Math.Max(_base.Length, _otherPort?.Length ?? 0);
            buffer = ArrayPool<byte>.Shared.Rent(prefix + MaxBytes(path, query, keys.AsSpan(0, form.Count), form));
            var end = prefix + Encode(path, query, keys.AsSpan(0, form.Count), form, buffer.AsSpan(prefix));

            Span<byte> mac = stackalloc byte[HMACSHA1.HashSizeInBytes];
            var matched = Matches(buffer, prefix, end, _base, presented, mac);
            Span<byte> unused = stackalloc byte[HMACSHA1.HashSizeInBytes];
            if (!matched && _otherPort is not null) matched = Matches(buffer, prefix, end, _otherPort, presented, unused);
            // The key comes from the signature over the configured URL in either case: one delivery, one key.
            return matched ? new VerifiedWebhook(DedupKeyOf(mac)) : null;
        }
        finally
        {
            ArrayPool<string>.Shared.Return(keys, clearArray: true);
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Insertion sort: a webhook has a few dozen fields at most, and Array.Sort with a comparer allocates a
    /// delegate per call.</summary>
    private static void SortOrdinal(Span<string> keys)
    {
        for (var i = 1; i < keys.Length; i++)
        {
            var key = keys[i];
            var j = i - 1;
            for (; j >= 0 && string.CompareOrdinal(keys[j], key) > 0; j--) keys[j + 1] = keys[j];
            keys[j + 1] = key;
        }
    }

    private bool Matches(byte[] buffer, int prefix, int end, byte[] baseUrl, string presented, Span<byte> mac)
    {
        var start = prefix - baseUrl.Length;
        baseUrl.CopyTo(buffer.AsSpan(start));
        // Twilio's protocol, not a choice: the signature is HMAC-SHA1.
#pragma warning disable CA5350
        HMACSHA1.HashData(_key, buffer.AsSpan(start, end - start), mac);
#pragma warning restore CA5350
        Span<char> expected = stackalloc char[SignatureChars];
        Convert.TryToBase64Chars(mac, expected, out _);
        // The exact text Twilio sent, compared in constant time: no other spelling of the same bytes passes.
        return CryptographicOperations.FixedTimeEquals(
            MemoryMarshal.AsBytes(expected), MemoryMarshal.AsBytes(presented.AsSpan()));
    }

    /// <summary>SHA-256 of the MAC, so the stored key is not itself a signature that could be presented.</summary>
    private static string DedupKeyOf(ReadOnlySpan<byte> mac)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(mac, digest);
        Span<char> key = stackalloc char[4 + 44];
        "sig:".CopyTo(key);
        Convert.TryToBase64Chars(digest, key[4..], out _);
        return new string(key);
    }

    private static int MaxBytes(string path, string? query, ReadOnlySpan<string> keys, IFormCollection form)
    {
        var chars = path.Length + (query?.Length ?? 0);
        foreach (var key in keys)
            foreach (var value in form[key]) chars += key.Length + (value?.Length ?? 0);
        return Encoding.UTF8.GetMaxByteCount(chars);
    }

    private static int Encode(string path, string? query, ReadOnlySpan<string> keys, IFormCollection form, Span<byte> into)
    {
        var written = Encoding.UTF8.GetBytes(path, into);
        written += Encoding.UTF8.GetBytes(query ?? "", into[written..]);
        foreach (var key in keys)
        {
            var values = form[key];
            if (values.Count <= 1)
            {
                written += Pair(key, values.Count == 0 ? "" : values[0], into[written..]);
                continue;
            }
            // Rare (Twilio sends repeated names only for a few products): the copy is made only here.
            var sorted = Array.ConvertAll(values.ToArray(), v => v ?? "");
            SortOrdinal(sorted);
            for (var i = 0; i < sorted.Length; i++)
                if (i == 0 || !string.Equals(sorted[i], sorted[i - 1], StringComparison.Ordinal))
                    written += Pair(key, sorted[i], into[written..]);
        }
        return written;
    }

    private static int Pair(string key, string? value, Span<byte> into)
    {
        var written = Encoding.UTF8.GetBytes(key, into);
        return written + Encoding.UTF8.GetBytes(value ?? "", into[written..]);
    }

    /// <summary>The base URL with its scheme's default port written out, or without it when written; null when it names
    /// another port.</summary>
    private static string? OtherPortForm(string baseUrl)
    {
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || !uri.IsDefaultPort) return null;
        var hostStart = baseUrl.IndexOf("://", StringComparison.Ordinal) + 3;
        var pathStart = baseUrl.IndexOf('/', hostStart) is var slash and >= 0 ? slash : baseUrl.Length;
        var port = uri.Scheme == "https" ? ":443" : ":80";
        return baseUrl.AsSpan(hostStart, pathStart - hostStart).EndsWith(port, StringComparison.Ordinal)
            ? string.Concat(baseUrl.AsSpan(0, pathStart - port.Length), baseUrl.AsSpan(pathStart))
            : string.Concat(baseUrl.AsSpan(0, pathStart), port, baseUrl.AsSpan(pathStart));
    }
}
