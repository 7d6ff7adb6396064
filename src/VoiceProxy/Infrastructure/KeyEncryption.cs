using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;

namespace VoiceProxy.Infrastructure;

/// <summary>
/// Encrypts the data-protection keys written to the shared keys folder (AES-256-GCM) with a key read from a file outside
/// it (VoiceProxy:Deployment:DataProtectionKeyEncryptionKeyFile): a copy of the folder alone then opens no cookie. Each
/// encrypted key names the encryption key by a short digest, so a wrong file is reported as such rather than as corrupt
/// data.
/// </summary>
internal static class KeyEncryption
{
    private static readonly byte[] Purpose = "VoiceProxy data-protection key at rest v1"u8.ToArray();

    /// <summary>The key in the file, or why it cannot be used.</summary>
    public static (byte[]? Key, string? Error) TryRead(string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"cannot be read ({e.GetType().Name}).");
        }
        return Secrets.FromBase64(text) is { Length: 32 } key
            ? (key, null)
            : (null, "must hold 32 random bytes in base64 (openssl rand -base64 32).");
    }

    public static byte[] Read(string file) =>
        TryRead(file) is { Key: { } key }
            ? key
            : throw new InvalidDataException($"The key-encryption key file {file} is not usable.");

    private static string KeyId(byte[] key) => Convert.ToHexStringLower(SHA256.HashData([.. Purpose, .. key])[..8]);

    internal sealed class Encryptor(byte[] key) : IXmlEncryptor
    {
        public EncryptedXmlInfo Encrypt(XElement plaintextElement)
        {
            var plain = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
            var sealedBytes = new byte[12 + 16 + plain.Length];
            RandomNumberGenerator.Fill(sealedBytes.AsSpan(0, 12));
            using (var aes = new AesGcm(key, 16))
                aes.Encrypt(sealedBytes.AsSpan(0, 12), plain, sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), Purpose);
            CryptographicOperations.ZeroMemory(plain);
            var element = new XElement("encryptedKey",
                new XComment(" Encrypted with the key in VoiceProxy:Deployment:DataProtectionKeyEncryptionKeyFile. "),
                new XAttribute("keyId", KeyId(key)), new XElement("value", Convert.ToBase64String(sealedBytes)));
            return new EncryptedXmlInfo(element, typeof(Decryptor));
        }
    }

    /// <summary>Made by the data-protection system by type name when it reads a key (hence the service-provider
    /// constructor).</summary>
    internal sealed class Decryptor(IServiceProvider services) : IXmlDecryptor
    {
        public XElement Decrypt(XElement encryptedElement)
        {
            var file = services.GetRequiredService<IOptions<DeploymentOptions>>().Value.DataProtectionKeyEncryptionKeyFile
                ?? throw new CryptographicException(
                    "A data-protection key is encrypted, but " +
                    "VoiceProxy:Deployment:DataProtectionKeyEncryptionKeyFile is not set.");
            var key = Read(file);
            if ((string?)encryptedElement.Attribute("keyId") != KeyId(key))
                throw new CryptographicException("A data-protection key was encrypted with another key-encryption key than the " +
                    "one in VoiceProxy:Deployment:DataProtectionKeyEncryptionKeyFile.");
            var sealedBytes = Convert.FromBase64String((string)encryptedElement.Element("value")!);
            var plain = new byte[sealedBytes.Length - 28];
            using (var aes = new AesGcm(key, 16))
                aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), plain, Purpose);
            return XElement.Parse(Encoding.UTF8.GetString(plain));
        }
    }
}
