using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using VoiceProxy.Audit;
using VoiceProxy.Calls;
using VoiceProxy.Compliance;
using VoiceProxy.Consent;
using VoiceProxy.Data;
using VoiceProxy.DoNotCall;
using VoiceProxy.Telephony;
using VoiceProxy.Twiml;

namespace VoiceProxy.Infrastructure;

internal static class ServiceRegistration
{
    public static IServiceCollection AddVoiceProxyOptions(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<VoiceProxyOptions>().Bind(config.GetSection(VoiceProxyOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<VoiceProxyOptions>, VoiceProxyOptionsValidator>();
        services.AddOptions<TwilioOptions>().Bind(config.GetSection(TwilioOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TwilioOptions>, TwilioOptionsValidator>();
        services.TryAddSingleton(sp => ClockFor(sp.GetRequiredService<IHostEnvironment>(), config));
        return services;
    }

    /// <summary>The real clock. Tests that run the real program as a process (where no fake clock can be injected) may shift
    /// it with VoiceProxy:Testing:ClockOffsetHours, which is honoured only in the Testing environment.</summary>
    private static TimeProvider ClockFor(IHostEnvironment environment, IConfiguration config) =>
        environment.IsEnvironment("Testing") && config.GetValue<double?>("VoiceProxy:Testing:ClockOffsetHours") is { } hours and not 0
            ? new ShiftedClock(TimeSpan.FromHours(hours))
            : TimeProvider.System;

    private sealed class ShiftedClock(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }

    public static IServiceCollection AddVoiceProxyData(this IServiceCollection services)
    {
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>();
        services.AddDbContext<VoiceProxyDb>((sp, o) =>
        {
            var connection = sp.GetRequiredService<IConfiguration>().GetConnectionString("VoiceProxy");
            if (IsPostgres(sp)) o.UseNpgsql(connection);
            else o.UseSqlite(connection ?? "Data Source=voiceproxy.db");
        });
        // The provider's own context type selects its migrations; everything else asks for VoiceProxyDb.
        services.Replace(ServiceDescriptor.Scoped<VoiceProxyDb>(sp => IsPostgres(sp)
            ? new PostgresVoiceProxyDb(sp.GetRequiredService<DbContextOptions<VoiceProxyDb>>())
            : new VoiceProxyDb(sp.GetRequiredService<DbContextOptions<VoiceProxyDb>>())));
        services.AddSingleton<StripedLock>();
        services.AddSingleton<IPlacementLocks>(sp => IsPostgres(sp)
            ? ActivatorUtilities.CreateInstance<PostgresPlacementLocks>(sp)
            : ActivatorUtilities.CreateInstance<InProcessPlacementLocks>(sp));
        services.AddScoped<AuditLog>();
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return services;
    }

    private static bool IsPostgres(IServiceProvider sp) =>
        sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.Kind == DatabaseProvider.Postgres;

    public static IServiceCollection AddCompliance(this IServiceCollection services)
    {
        services.AddSingleton(_ => NpaTable.LoadEmbedded());
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<VoiceProxyOptions>>().Value;
            return new Gate(new GateSettings(o.Registry.MaxAgeDays, o.Caps.MarketingPer24Hours, o.Caps.TransactionalMaxCalls,
                TimeSpan.FromHours(o.Caps.TransactionalWindowHours), StateRules.LoadEmbedded()));
        });
        services.AddSingleton<IDncRegistry, SnapshotRegistry>();
        services.AddScoped<FactGatherer>();
        return services;
    }

    public static IServiceCollection AddCalls(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var path = sp.GetRequiredService<IOptions<VoiceProxyOptions>>().Value.TemplatesPath
                ?? Path.Combine(AppContext.BaseDirectory, "twiml-templates");
            return TemplateCatalog.Load(path);
        });
        services.AddSingleton<CallValidation>();
        services.AddScoped<CallService>();
        services.AddTwilioHttp();
        services.AddScoped<CallPlacer>();
        services.AddSingleton<CallReconciler>();
        services.AddHostedService(sp => sp.GetRequiredService<CallReconciler>());
        services.AddSingleton<TwimlRenderer>();
        services.AddHealthChecks().AddCheck<TemplatesHealthCheck>("templates", tags: ["ready"]);
        services.AddScoped<CallWebhooks>();
        services.AddScoped<OptOutService>();
        return services;
    }

    /// <summary>Prepares the service, or says in one line per problem why it cannot start (a setting, a template) and gives
    /// the exit code; never a stack trace for a configuration mistake.</summary>
    public static int? TryPrepareVoiceProxy(this WebApplication app)
    {
        try
        {
            _ = app.Services.GetRequiredService<IOptions<VoiceProxyOptions>>().Value; // validates, as start-up would
            _ = app.Services.GetRequiredService<IOptions<TwilioOptions>>().Value;
            app.PrepareVoiceProxy();
            return null;
        }
        // Only when this is the program itself: a test host that runs Main wants the exception.
        catch (Exception e) when (e.GetBaseException() is OptionsValidationException or InvalidDataException
            && System.Reflection.Assembly.GetEntryAssembly() == typeof(ServiceRegistration).Assembly)
        {
            var problems = e.GetBaseException() is OptionsValidationException invalid ? invalid.Failures : [e.GetBaseException().Message];
            foreach (var problem in problems) Console.Error.WriteLine($"error: {problem}");
            return 1;
        }
    }

    /// <summary>Applies migrations and loads what start-up must prove good: templates, rule data, registry, options.</summary>
    public static void PrepareVoiceProxy(this WebApplication app)
    {
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VoiceProxyDb>().Database;
            db.Migrate();
            // Write-ahead logging: one fsync per commit instead of the rollback journal's several, and readers never wait on
            // the writer. The default synchronous=FULL keeps every acknowledged commit through a crash or power loss.
            if (db.IsSqlite()) db.ExecuteSqlRaw("PRAGMA journal_mode=WAL");
        }
        app.Services.GetRequiredService<TemplateCatalog>();
        var holidaysEnd = app.Services.GetRequiredService<Gate>().Settings.States.HolidaysCoveredThrough;
        if (DateOnly.FromDateTime(app.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime).AddDays(60) > holidaysEnd)
            app.Logger.LogWarning("State holiday lists end on {End}: marketing calls to AL, LA, MS, PA, RI and UT are blocked after that; extend Compliance/Data/state-rules.json.", holidaysEnd);
        foreach (var advisory in app.Services.GetRequiredService<IOptions<VoiceProxyOptions>>().Value.Advisories())
            app.Logger.LogWarning("Configuration: {Advisory}", advisory);
        app.Services.GetRequiredService<NpaTable>();
        app.Services.GetRequiredService<IDncRegistry>();
        var twilio = app.Services.GetRequiredService<IOptions<TwilioOptions>>().Value;
        if (twilio.EffectiveMode == TwilioMode.Simulated)
            app.Logger.LogWarning("Twilio mode is SIMULATED: no real calls will be placed. Set Twilio:AccountSid and Twilio:AuthToken for Live mode.");
        else
            app.Logger.LogInformation("Twilio mode is Live: calls are placed through {ApiBaseUrl}.", twilio.ApiBaseUrl);
    }
}

/// <summary>Ready only when the database can be written: a read-only database fails it as surely as a missing one.</summary>
internal sealed class DatabaseHealthCheck(VoiceProxyDb db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            if (!await db.Database.CanConnectAsync(ct)) return HealthCheckResult.Unhealthy("The database cannot be reached.");
            if (db.Database.IsSqlite())
            {
                // Rewriting the header's user_version with its own value is a real write that changes nothing.
                var version = await db.Database.SqlQueryRaw<int>("SELECT user_version AS Value FROM pragma_user_version").SingleAsync(ct);
                var rewrite = "PRAGMA user_version = " + version.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await db.Database.ExecuteSqlRawAsync(rewrite, ct); // an int read from the database itself; PRAGMA takes no parameters
            }
            else if (db.Database.IsNpgsql())
            {
                // A standby, or a database or role set to read-only, connects but cannot take a call record.
                var readOnly = await db.Database.SqlQueryRaw<bool>(
                    "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on' AS \"Value\"").SingleAsync(ct);
                if (readOnly) return HealthCheckResult.Unhealthy("The database is read-only.");
            }
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("The database cannot be reached or written.", e);
        }
    }
}
