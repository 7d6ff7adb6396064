using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace VoiceProxy.Infrastructure;

internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        // Public for probes and load balancers, under a per-address limit of their own (ClientThrottle).
        routes.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false })
            .AllowAnonymous().WithMetadata(ClientThrottle.HealthRoute);
        routes.MapHealthChecks("/health/ready",
                new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteChecks })
            .AllowAnonymous().WithMetadata(ClientThrottle.HealthRoute);
        return routes;
    }

    /// <summary>Names every check and its result, so an operator sees which of database and templates is not ready; never the
    /// exception itself.</summary>
    private static Task WriteChecks(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e =>
                new { name = e.Key, status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
}
