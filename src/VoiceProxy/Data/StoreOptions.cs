using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace VoiceProxy.Data;

/// <summary>The store's EF Core options, built once per connection string rather than for every request's context (the
/// connection string is read each time, so a changed ConnectionStrings:VoiceProxy takes effect for the next context).</summary>
internal sealed class StoreOptions(IServiceProvider services, IConfiguration config, IOptions<DatabaseOptions> database)
{
    private Built? _current;

    public DbContextOptions<VoiceProxyDb> Current
    {
        get
        {
            var connection = config.GetConnectionString("VoiceProxy");
            if (_current is { } current && current.Connection == connection) return current.Options;
            var built = new Built(connection, Build(connection));
            _current = built;
            return built.Options;
        }
    }

    private DbContextOptions<VoiceProxyDb> Build(string? connection)
    {
        var builder = new DbContextOptionsBuilder<VoiceProxyDb>()
            // EF finds the application's logging here, and shares one internal service provider (and model) across hosts.
            .UseApplicationServiceProvider(services)
            .AddInterceptors(AppendOnlyInterceptor.Instance);
        if (database.Value.Kind == DatabaseProvider.Postgres) builder.UseNpgsql(connection);
        else builder.UseSqlite(connection ?? "Data Source=voiceproxy.db");
        return builder.Options;
    }

    /// <summary>One reference, so a reader never sees one connection string with another's options.</summary>
    private sealed record Built(string? Connection, DbContextOptions<VoiceProxyDb> Options);
}
