using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Security;

/// <summary>The supervisor page's sessions (section <c>VoiceProxy:Sessions</c>).</summary>
public sealed class SupervisorSessionOptions
{
    public const string Section = "VoiceProxy:Sessions";

    /// <summary>Minutes without a request after which a session ends (sliding). Default 60; 1 to 1440.</summary>
    public int IdleMinutes { get; set; } = 60;

    /// <summary>Hours after sign-in at which a session ends however active it is (absolute). Default 12; 1 to 168, and no
    /// shorter than <see cref="IdleMinutes"/>.</summary>
    public int MaxHours { get; set; } = 12;
}

internal sealed class SessionOptionsValidator : IValidateOptions<SupervisorSessionOptions>
{
    public ValidateOptionsResult Validate(string? name, SupervisorSessionOptions o)
    {
        const string section = SupervisorSessionOptions.Section;
        var errors = new List<string>();
        if (o.IdleMinutes is < 1 or > 1440) errors.Add($"{section}:IdleMinutes must be between 1 and 1440.");
        if (o.MaxHours is < 1 or > 168) errors.Add($"{section}:MaxHours must be between 1 and 168.");
        else if (o.MaxHours * 60 < o.IdleMinutes)
            errors.Add($"{section}:MaxHours must be no shorter than {section}:IdleMinutes.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// Server-side records of the supervisor page's sessions, in the database so every instance sees a sign-out. The cookie
/// carries only the session's id; the row keeps a digest of that id (never the id), the key's name and a digest of the key
/// that opened it (never the key), when it started and when it must end. A session is good while it has not been ended, its
/// absolute end has not come, and a Supervisor or Admin key with that digest is still configured (read from the current
/// options, so a removed or rotated key ends its sessions).
/// <para>Each request asks <see cref="IsActiveAsync"/>; rows are cached for <see cref="CacheFor"/> so a busy page costs one
/// query per few seconds. Ending a session here drops it from this instance's cache at once; another instance may go on
/// accepting it for up to <see cref="CacheFor"/>.</para>
/// </summary>
internal sealed class SupervisorSessions(
    IServiceScopeFactory scopes, StoreWriter writer, IOptionsMonitor<VoiceProxyOptions> config,
    IOptions<SupervisorSessionOptions> options, TimeProvider time, ILogger<SupervisorSessions> log)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private const int CacheLimit = 1000;

    private readonly ConcurrentDictionary<string, (SessionRecord? Row, DateTimeOffset Until)> _cache =
        new(StringComparer.Ordinal);
    private (VoiceProxyOptions Options, HashSet<string> Digests) _keys = (new(), []);

    /// <summary>Starts a session for a Supervisor or Admin key; returns its id, the secret the cookie carries.</summary>
    public async Task<string> StartAsync(ApiKeyOptions key)
    {
        var id = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var row = new SessionRecord
        {
            IdHash = Digest("session-id", Encoding.UTF8.GetBytes(id)), KeyName = key.Name, KeyDigest = KeyDigest(key),
            StartedAt = now, ExpiresAt = now.AddHours(options.Value.MaxHours),
        };
        // Rows past their absolute end can never be used again: each sign-in clears them, so the table stays small.
        await writer.WriteAsync(async w =>
        {
            await w.SupervisorSessions.Where(s => s.ExpiresAt <= now).ExecuteDeleteAsync();
            w.SupervisorSessions.Add(row);
        });
        return id;
    }

    /// <summary>Ends a session everywhere (sign-out); a copy of its cookie is refused from then on.</summary>
    public async Task EndAsync(string id)
    {
        var hash = Digest("session-id", Encoding.UTF8.GetBytes(id));
        var now = time.GetUtcNow();
        _cache.TryRemove(hash, out _);
        await writer.WriteAsync(w => w.SupervisorSessions.Where(s => s.IdHash == hash && s.EndedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.EndedAt, now)));
        _cache.TryRemove(hash, out _);
    }

    public async Task<bool> IsActiveAsync(string id, CancellationToken ct)
    {
        var hash = Digest("session-id", Encoding.UTF8.GetBytes(id));
        var now = time.GetUtcNow();
        if (!_cache.TryGetValue(hash, out var cached) || cached.Until <= now)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<VoiceProxyDb>();
            var row = await db.SupervisorSessions.AsNoTracking().FirstOrDefaultAsync(s => s.IdHash == hash, ct);
            if (_cache.Count >= CacheLimit) _cache.Clear();
            cached = (row, now + CacheFor);
            _cache[hash] = cached;
        }
        var why = cached.Row switch
        {
            null => "no such session",
            { EndedAt: not null } => "signed out",
            var r when r.ExpiresAt <= now => "its absolute lifetime is over",
            var r when !ConfiguredKeyDigests().Contains(r.KeyDigest) => $"key '{r.KeyName}' is no longer configured",
            _ => null,
        };
        if (why is not null) log.LogInformation("Supervisor session refused: {Why}", why);
        return why is null;
    }

    /// <summary>Digests of the Supervisor and Admin keys configured now, recomputed when the options are reloaded.</summary>
    private HashSet<string> ConfiguredKeyDigests()
    {
        var current = config.CurrentValue;
        var keys = _keys;
        if (ReferenceEquals(keys.Options, current)) return keys.Digests;
        var digests = current.ApiKeys.Where(k => k.Role is ApiRole.Supervisor or ApiRole.Admin).Select(KeyDigest).ToHashSet();
        _keys = (current, digests);
        return digests;
    }

    /// <summary>Names the key without being it, or its configured SHA-256: a digest of that SHA-256 under a fixed
    /// label.</summary>
    private static string KeyDigest(ApiKeyOptions key) => Digest("session-key", key.Hash());

    private static string Digest(string label, byte[] value) =>
        Convert.ToHexStringLower(SHA256.HashData([.. Encoding.UTF8.GetBytes($"voiceproxy:{label}:"), .. value]));
}
