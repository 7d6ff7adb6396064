using System.Collections.Frozen;
using Microsoft.Extensions.Options;
using VoiceProxy.Compliance;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.DoNotCall;

/// <summary>Serves the snapshots in the registry folder and swaps in a new one when an import renames it into place.
/// Readers see one immutable set of snapshots at a time; a damaged file is logged and the previous copy kept.</summary>
internal sealed class SnapshotRegistry : IDncRegistry, IDisposable
{
    private readonly string _folder;
    private readonly ILogger<SnapshotRegistry> _log;
    private readonly FileSystemWatcher? _watcher;
    private readonly Lock _reloading = new();
    private volatile FrozenDictionary<string, RegistrySnapshot> _snapshots = FrozenDictionary<string, RegistrySnapshot>.Empty;

    public SnapshotRegistry(IOptions<VoiceProxyOptions> options, ILogger<SnapshotRegistry> log)
    {
        _folder = Path.GetFullPath(options.Value.Registry.Path);
        _log = log;
        Directory.CreateDirectory(_folder);
        _watcher = new FileSystemWatcher(_folder, "*.snapshot") { NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite };
        _watcher.Created += (_, _) => Reload();
        _watcher.Renamed += (_, _) => Reload();
        _watcher.Changed += (_, _) => Reload();
        _watcher.Deleted += (_, _) => Reload();
        _watcher.EnableRaisingEvents = true;
        Reload();
    }

    public IReadOnlyCollection<string> Lists => _snapshots.Keys;

    public RegistryFact Check(string list, string e164)
    {
        if (!_snapshots.TryGetValue(list, out var snapshot)) return new RegistryFact(list, false, null);
        return new RegistryFact(list, snapshot.Contains(long.Parse(e164.AsSpan(2))), snapshot.Header.AsOf);
    }

    public IReadOnlyList<RegistryListStatus> Status(DateOnly today, int maxAgeDays) =>
        _snapshots.Values.OrderBy(s => s.Header.List, StringComparer.Ordinal).Select(s =>
        {
            var age = today.DayNumber - s.Header.AsOf.DayNumber;
            return new RegistryListStatus(s.Header.List, s.Header.AsOf, s.Header.Count, age, age > maxAgeDays);
        }).ToList();

    /// <summary>Loads every snapshot file; a list whose file cannot be read keeps its previous copy.</summary>
    public void Reload()
    {
        lock (_reloading)
        {
            var previous = _snapshots;
            var next = new Dictionary<string, RegistrySnapshot>();
            foreach (var path in Directory.EnumerateFiles(_folder, "*.snapshot"))
            {
                try
                {
                    var snapshot = RegistrySnapshot.Read(path);
                    if (!previous.TryGetValue(snapshot.Header.List, out var old) || old.Header.CreatedAt != snapshot.Header.CreatedAt)
                        _log.LogInformation("Registry snapshot loaded: {Snapshot}", RegistrySnapshot.Describe(snapshot.Header));
                    next[snapshot.Header.List] = snapshot;
                }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or System.Text.Json.JsonException)
                {
                    _log.LogWarning("Registry snapshot {File} not loaded, keeping the previous copy: {Error}", Path.GetFileName(path), e.Message);
                    foreach (var kept in previous.Values.Where(s => RegistryLists.FileName(s.Header.List) == Path.GetFileName(path)))
                        next[kept.Header.List] = kept;
                }
            }
            _snapshots = next.ToFrozenDictionary();
        }
    }

    public void Dispose() => _watcher?.Dispose();
}
