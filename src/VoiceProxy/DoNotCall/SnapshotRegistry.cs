using System.Collections.Frozen;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.DoNotCall;

/// <summary>Serves the snapshots in the registry folder, memory-mapped, and swaps in a new one when an import renames it into
/// place. A new file is verified before it is served, while the previous copy keeps answering; a damaged file is logged and the
/// previous copy kept. A replaced mapping is released only when the last lookup using it has finished, so a decision in flight
/// never fails.</summary>
internal sealed class SnapshotRegistry : IDncRegistry, IDisposable
{
    private readonly string _folder;
    private readonly ILogger<SnapshotRegistry> _log;
    private readonly FileSystemWatcher? _watcher;
    private readonly Lock _reloading = new();
    private volatile FrozenDictionary<string, Loaded> _loaded = FrozenDictionary<string, Loaded>.Empty;
    private bool _disposed;

    private sealed record Loaded(RegistrySnapshot Snapshot, string File);

    private readonly IServiceScopeFactory? _scopes;

    /// <param name="options">Where the snapshots are (<c>VoiceProxy:Registry:Path</c>).</param>
    /// <param name="log">Where loads and failed loads are logged.</param>
    /// <param name="scopes">When given, each copy taken into use is recorded as a <c>registry.loaded</c> audit event: which
    /// copy (list, as-of, count, source file hashes) was used from when (16 CFR 310.5).</param>
    public SnapshotRegistry(
        IOptions<VoiceProxyOptions> options, ILogger<SnapshotRegistry> log, IServiceScopeFactory? scopes = null)
    {
        _folder = Path.GetFullPath(options.Value.Registry.Path);
        _log = log;
        _scopes = scopes;
        Directory.CreateDirectory(_folder);
        _watcher = new FileSystemWatcher(_folder, "*.snapshot")
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite
        };
        _watcher.Created += (_, _) => Reload();
        _watcher.Renamed += (_, _) => Reload();
        _watcher.Changed += (_, _) => Reload();
        _watcher.Deleted += (_, _) => Reload();
        _watcher.EnableRaisingEvents = true;
        Reload();
    }

    public IReadOnlyCollection<string> Lists => _loaded.Keys;

    public RegistryFact Check(string list, string e164)
    {
        // Only +1 numbers can be on a US registry.
        var listedNumber = e164.Length == 12 && e164.StartsWith("+1", StringComparison.Ordinal)
            && long.TryParse(e164.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : -1;
        while (true)
        {
            if (!_loaded.TryGetValue(list, out var entry)) return new RegistryFact(list, false, null);
            if (entry.Snapshot.TryContains(listedNumber, out var listed))
                return new RegistryFact(list, listed, entry.Snapshot.Header.AsOf);
            // Released between reading the map and taking hold of it: its successor is already published, so look again.
        }
    }

    public IReadOnlyList<RegistryListStatus> Status(DateOnly today, int maxAgeDays) =>
        _loaded.Values.Select(l => l.Snapshot.Header).OrderBy(h => h.List, StringComparer.Ordinal).Select(h =>
        {
            var age = today.DayNumber - h.AsOf.DayNumber;
            return new RegistryListStatus(h.List, h.AsOf, h.Count, age, age > maxAgeDays || age < 0);
        }).ToList();

    /// <summary>Maps every new or changed snapshot file; a list whose file cannot be read keeps its previous copy,
    /// and a list whose file is gone is dropped (so marketing to it is blocked as stale, not allowed).</summary>
    public void Reload()
    {
        lock (_reloading)
        {
            if (_disposed) return;
            var previous = _loaded;
            var next = new Dictionary<string, Loaded>();
            foreach (var path in Directory.EnumerateFiles(_folder, "*.snapshot"))
            {
                var name = Path.GetFileName(path);
                var current = previous.Values.FirstOrDefault(l => l.File == name);
                try
                {
                    if (current is not null && current.Snapshot.Root == Root(path))
                    {
                        next[current.Snapshot.Header.List] = current;
                        continue;
                    }
                    var started = Stopwatch.GetTimestamp();
                    var snapshot = RegistrySnapshot.Map(path);
                    if (RegistryLists.FileName(snapshot.Header.List) != name)
                    {
                        snapshot.Dispose();
                        throw new InvalidDataException($"it holds the {snapshot.Header.List} list");
                    }
                    _log.LogInformation("Registry snapshot loaded: {Snapshot}, verified and mapped in {Milliseconds:0} ms",
                        RegistrySnapshot.Describe(snapshot.Header), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    next[snapshot.Header.List] = new Loaded(snapshot, name);
                    RecordLoaded(snapshot.Header);
                }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException
                    or System.Text.Json.JsonException)
                {
                    _log.LogWarning("Registry snapshot {File} not loaded, keeping the previous copy: {Error}", name, e.Message);
                    if (current is not null) next[current.Snapshot.Header.List] = current;
                }
            }
            _loaded = next.ToFrozenDictionary();
            // Published first, released second: a reader that still holds the old one finishes with it, a new reader finds
            // the new one.
            foreach (var old in previous.Values.Where(old => !next.ContainsValue(old))) old.Snapshot.Dispose();
        }
    }

    /// <summary>Records the copy taken into use in the audit trail. Not waited for (start-up and the swap go on while the
    /// writer commits it): the copy is used either way, since failing the swap would leave an older copy in force, which is
    /// worse, and each decision names the as-of date of every list it consulted.</summary>
    private void RecordLoaded(SnapshotHeader header)
    {
        if (_scopes is null) return;
        using var scope = _scopes.CreateScope(); // both are singletons: they outlive the scope
        var services = scope.ServiceProvider;
        var journal = services.GetRequiredService<Audit.Journal>();
        var detail = new { header.List, header.AsOf, header.Count, header.CreatedAt, header.Sources };
        services.GetRequiredService<Data.StoreWriter>()
            .WriteAsync(w => journal.Audit(w, "registry.loaded", "voiceproxy", null, header.List, detail))
            .ContinueWith(t => _log.LogWarning("Registry snapshot {List} loaded but not recorded in the audit trail: {Error}",
                header.List, t.Exception?.GetBaseException().Message), TaskContinuationOptions.OnlyOnFaulted);
    }

    /// <summary>The file's final hash, read from its last 32 bytes: the cheap way to see that a file is the one already
    /// mapped.</summary>
    private static string Root(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        var length = RandomAccess.GetLength(handle);
        Span<byte> root = stackalloc byte[32];
        return length >= 32 && RandomAccess.Read(handle, root, length - 32) == 32 ? Convert.ToHexStringLower(root) : "";
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        lock (_reloading)
        {
            _disposed = true;
            foreach (var loaded in _loaded.Values) loaded.Snapshot.Dispose();
            _loaded = FrozenDictionary<string, Loaded>.Empty;
        }
    }
}
