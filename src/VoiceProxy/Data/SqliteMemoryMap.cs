using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace VoiceProxy.Data;

/// <summary>Reads the SQLite file through memory-mapped I/O. Every commit makes every other connection drop its page cache, so
/// with group commits many times a second each query would otherwise read its index pages again with a system call and a
/// copy each. Set once per native connection (the pool keeps them open); a pragma of the reader only, durability is
/// unchanged.</summary>
internal sealed class SqliteMemoryMap : DbConnectionInterceptor
{
    public static readonly SqliteMemoryMap Instance = new();

    /// <summary>Address space, not memory: the kernel maps pages in as they are read.</summary>
    private const long Bytes = 1L << 30;

    private readonly ConditionalWeakTable<object, object> _mapped = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Map(connection);

    public override Task ConnectionOpenedAsync(
        DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Map(connection);
        return Task.CompletedTask;
    }

    private void Map(DbConnection connection)
    {
        if (connection is not SqliteConnection { Handle: { } handle } sqlite || _mapped.TryGetValue(handle, out _)) return;
        using var pragma = sqlite.CreateCommand();
        pragma.CommandText = $"PRAGMA mmap_size={Bytes}";
        pragma.ExecuteNonQuery();
        _mapped.AddOrUpdate(handle, handle);
    }
}
