using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Options;

namespace VoiceProxy.Data;

/// <summary>The store's contexts, from a pool built once per connection string rather than a new context with its own internal
/// services for every request (the connection string is read each time, so a changed ConnectionStrings:VoiceProxy takes
/// effect for the next context). Disposing a leased context resets it and returns it to the pool.</summary>
internal sealed class ContextPool(IServiceProvider services, IConfiguration config, IOptions<DatabaseOptions> database)
{
    private Pool? _current;

    /// <summary>A context of the configured provider's type.</summary>
    public VoiceProxyDb Lease()
    {
        var connection = config.GetConnectionString("VoiceProxy");
        if (_current is not { } pool || pool.Connection != connection)
            _current = pool = database.Value.Kind == DatabaseProvider.Postgres
                ? new Pool<PostgresVoiceProxyDb>(connection, Build<PostgresVoiceProxyDb>(b => b.UseNpgsql(connection)))
                : new Pool<VoiceProxyDb>(
                    connection, Build<VoiceProxyDb>(b => b.UseSqlite(connection ?? "Data Source=voiceproxy.db")
                        .AddInterceptors(SqliteMemoryMap.Instance)));
        return pool.Lease();
    }

    private DbContextOptions<TContext> Build<TContext>(Action<DbContextOptionsBuilder> provider) where TContext : DbContext
    {
        var builder = new DbContextOptionsBuilder<TContext>()
            // EF finds the application's logging here, and shares one internal service provider (and model) across hosts.
            .UseApplicationServiceProvider(services)
            .AddInterceptors(AppendOnlyInterceptor.Instance);
        provider(builder);
        return builder.Options;
    }

    /// <summary>One reference, so a reader never sees one connection string with another's contexts.</summary>
    private abstract record Pool(string? Connection)
    {
        public abstract VoiceProxyDb Lease();
    }

    private sealed record Pool<TContext>(string? Connection, DbContextOptions<TContext> Options) : Pool(Connection)
        where TContext : VoiceProxyDb
    {
        private readonly PooledDbContextFactory<TContext> _contexts = new(Options);

        public override VoiceProxyDb Lease() => _contexts.CreateDbContext();
    }
}
