using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace VoiceProxy.Data;

/// <summary>The store's EF Core options, built once per connection string rather than for every request's context (the
/// connection string is read each time, so a changed ConnectionStrings:VoiceProxy takes effect for the next context).</summary>
internal sealed class StoreOptions(IServiceProvider services, IConfiguration config, IOptions<DatabaseOptions> database)
{
    private (string? Connection, DbContextOptions<VoiceProxyDb> Options)? _current;

    public DbContextOptions<VoiceProxyDb> Current
    {
        get
        {
            var connection = config.GetConnectionString("VoiceProxy");
            if (_current is { } current && current.Connection == connection) return current.Options;
            var options = Build(connection);
            _current = (connection, options);
            return options;
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
}
