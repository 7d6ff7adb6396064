using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Audit;

/// <summary>
/// A signed record of the chain's head: the position and hash of the latest sealed event, when it was sealed, and the id of
/// the key whose checkpoint key signed it (HMAC-SHA256). An auditor copies checkpoints off the machine; verifying against one
/// proves the chain still holds that position with that hash, so dropping the newest events, with their seals, is found.
/// </summary>
public sealed record AuditCheckpoint(string Format, long Position, string Hash, DateTimeOffset SealedAt, string KeyId,
    string Signature)
{
    public const string Version = "voiceproxy-audit-checkpoint-v1";

    public static AuditCheckpoint Sign(long position, string hash, DateTimeOffset sealedAt, AuditKey key) =>
        new(Version, position, hash, sealedAt, key.Id, key.SignCheckpoint(Canonical(position, hash, sealedAt, key.Id)));

    /// <summary>Null when genuine (signed by a configured key, over exactly these fields); otherwise why not.</summary>
    public string? Problem(AuditKeys keys)
    {
        if (Format != Version) return $"The checkpoint's format is '{Format}', not {Version}.";
        if (keys.Find(KeyId) is not { } key)
            return $"The checkpoint was signed with key id '{KeyId}', which is not configured here "
                + "(add that key to VoiceProxy:Audit:RetiredKeys).";
        var expected = Convert.FromHexString(key.SignCheckpoint(Canonical(Position, Hash ?? "", SealedAt, KeyId)));
        byte[] given;
        try { given = Convert.FromHexString(Signature ?? ""); }
        catch (FormatException) { given = []; }
        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(expected, given)
            ? null
            : "The checkpoint's signature does not match its contents: it was changed or not made by this service.";
    }

    /// <summary>Parses a checkpoint file's text, or says why it is not one.</summary>
    public static (AuditCheckpoint? Checkpoint, string? Problem) Parse(string json)
    {
        try
        {
            var c = JsonSerializer.Deserialize<AuditCheckpoint>(json, StoredJson.Options);
            return c is { Format: not null, Hash: not null, KeyId: not null, Signature: not null }
                ? (c, null)
                : (null, "The checkpoint lacks format, position, hash, sealedAt, keyId or signature.");
        }
        catch (JsonException e)
        {
            return (null, $"The checkpoint is not valid JSON: {e.Message}");
        }
    }

    /// <summary>The latest seal's head, signed with the current key; null before anything is sealed. The head is taken
    /// from the sealed event itself, so a seal record that names a head the chain does not hold is never signed.</summary>
    public static async Task<AuditCheckpoint?> OfHeadAsync(VoiceProxyDb db, AuditKeys keys, CancellationToken ct)
    {
        var seal = await db.AuditSeals.AsNoTracking().OrderByDescending(s => s.LastPosition).FirstOrDefaultAsync(ct);
        if (seal is null) return null;
        var hash = await db.AuditEvents.AsNoTracking().Where(e => e.Position == seal.LastPosition).Select(e => e.Hash)
            .FirstOrDefaultAsync(ct);
        return hash == seal.HeadHash ? Sign(seal.LastPosition, hash, seal.At, keys.Current) : null;
    }

    private static byte[] Canonical(long position, string hash, DateTimeOffset sealedAt, string keyId) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{Version}\nposition {position}\nhash {hash}\nsealedAt {sealedAt.UtcTicks}\nkeyId {keyId}\n"));
}

/// <summary>Writes a signed checkpoint of the head to <c>VoiceProxy:Audit:CheckpointDirectory</c> at start and then every
/// <c>CheckpointIntervalSeconds</c> when the head has moved, as <c>checkpoint-{position}.json</c> (written whole, then
/// renamed into place). Those files are for an auditor to copy off the machine.</summary>
internal sealed class AuditCheckpointWriter(
    IServiceScopeFactory scopes, AuditKeys keys, IOptions<VoiceProxyOptions> options, ILogger<AuditCheckpointWriter> log)
    : BackgroundService
{
    private long _written = -1;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Audit.CheckpointDirectory is not { Length: > 0 } folder) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.Audit.CheckpointIntervalSeconds));
        do
        {
            try
            {
                await WriteOnceAsync(folder, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning("Writing an audit checkpoint failed; will retry: {Error}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task WriteOnceAsync(string folder, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VoiceProxyDb>();
        if (await AuditCheckpoint.OfHeadAsync(db, keys, ct) is not { } checkpoint || checkpoint.Position == _written) return;
        Directory.CreateDirectory(folder);
        var name = string.Create(CultureInfo.InvariantCulture, $"checkpoint-{checkpoint.Position:D12}.json");
        var path = Path.Combine(folder, name);
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(checkpoint, StoredJson.Options), ct);
        File.Move(temporary, path, overwrite: true);
        _written = checkpoint.Position;
        log.LogInformation("Audit checkpoint written: position {Position}", checkpoint.Position);
    }
}
