using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace VoiceProxy.Data;

/// <summary>Ready only when the database can be written: a read-only database fails it as surely as a missing one. The probe
/// is a unit of the group commit, so it never competes with the writer for the database's write lock. One probe answers
/// every readiness request for a second from its start (and while it runs), so a flood of /health/ready (anonymous, from
/// anyone) costs at most one write a second.</summary>
internal sealed class DatabaseHealthCheck(StoreWriter writer, TimeProvider time) : IHealthCheck
{
    /// <summary>How long one probe's answer is given to later callers.</summary>
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private Task<HealthCheckResult>? _probe;
    private DateTimeOffset _probedAt;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_probe is null || (_probe.IsCompleted && now - _probedAt >= Fresh))
            {
                _probe = ProbeAsync();
                _probedAt = now;
            }
            return _probe;
        }
    }

    private async Task<HealthCheckResult> ProbeAsync()
    {
        try
        {
            return await writer.WriteAsync(async db =>
            {
                if (db.Database.IsSqlite())
                {
                    // Rewriting the header's user_version with its own value is a real write that changes nothing.
                    var version = await db.Database
                        .SqlQueryRaw<int>("SELECT user_version AS Value FROM pragma_user_version")
                        .SingleAsync();
                    var rewrite = "PRAGMA user_version = "
                        + version.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    // An int read from the database itself; PRAGMA takes no parameters.
                    await db.Database.ExecuteSqlRawAsync(rewrite);
                }
                else if (db.Database.IsNpgsql())
                {
                    // A standby, or a database or role set to read-only, connects but cannot take a call record.
                    var readOnly = await db.Database
                        .SqlQueryRaw<bool>(
                            "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on' AS \"Value\"")
                        .SingleAsync();
                    if (readOnly) return HealthCheckResult.Unhealthy("The database is read-only.");
                }
                return HealthCheckResult.Healthy();
            });
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or DbUpdateException)
        {
            return HealthCheckResult.Unhealthy("The database cannot be reached or written.", e);
        }
    }
}
