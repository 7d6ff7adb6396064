using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace VoiceProxy.Data;

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
