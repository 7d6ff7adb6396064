using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Data;

internal static class DataServices
{
    /// <summary>The EF Core store on the configured provider, the placement locks and the database readiness check.</summary>
    public static IServiceCollection AddData(this IServiceCollection services)
    {
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>();
        // The provider's own context type selects its migrations; everything else asks for VoiceProxyDb.
        services.AddSingleton<ContextPool>();
        services.AddScoped(sp => sp.GetRequiredService<ContextPool>().Lease());
        services.AddSingleton<Outbox>();
        services.AddSingleton<StoreWriter>();
        services.AddSingleton<StripedLock>();
        services.AddSingleton<IPlacementLocks>(sp => IsPostgres(sp)
            ? ActivatorUtilities.CreateInstance<PostgresPlacementLocks>(sp)
            : ActivatorUtilities.CreateInstance<InProcessPlacementLocks>(sp));
        services.AddSingleton<DatabaseHealthCheck>();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return services;
    }

    /// <summary>Applies the provider's migrations. On SQLite, write-ahead logging: one fsync per commit instead of the rollback
    /// journal's several, and readers never wait on the writer. The default synchronous=FULL keeps every acknowledged commit
    /// through a crash or power loss.</summary>
    public static void MigrateDatabase(this WebApplication app)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VoiceProxyDb>().Database;
        if (db.IsSqlite())
        {
            // Migrate() also diffs the model against the last migration; skip it when the history says nothing is pending.
            if (db.GetPendingMigrations().Any()) db.Migrate();
            db.ExecuteSqlRaw("PRAGMA journal_mode=WAL");
            return;
        }
        // Instances starting together on one PostgreSQL database take turns: EF's own migration lock is released between
        // migrations, so without this a second instance may apply a migration the first has just applied.
        db.OpenConnection();
        try
        {
            db.ExecuteSqlRaw("SELECT pg_advisory_lock(6228441113094775141)");
            db.Migrate();
        }
        finally
        {
            db.ExecuteSqlRaw("SELECT pg_advisory_unlock(6228441113094775141)");
            db.CloseConnection();
        }
    }

    internal static bool IsPostgres(IServiceProvider sp) =>
        sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.Kind == DatabaseProvider.Postgres;
}
