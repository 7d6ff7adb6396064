using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using VoiceProxy.Data;
using VoiceProxy.Security;

namespace VoiceProxy.Audit;

internal static class AuditApi
{
    /// <summary>The audit log, and the interceptor that links its events into the hash chain whenever a
    /// <see cref="VoiceProxyDb"/> saves.</summary>
    public static IServiceCollection AddAudit(this IServiceCollection services) =>
        services.AddScoped<AuditLog>().ConfigureDbContext<VoiceProxyDb>(o => o.AddInterceptors(AuditChainInterceptor.Instance));

    public static RouteGroupBuilder MapAudit(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/audit").WithTags("Audit").RequireAuthorization(Policies.Supervisor);
        group.MapGet("/verify", Verify);
        return group;
    }

    private static async Task<Ok<AuditVerification>> Verify(VoiceProxyDb db, CancellationToken ct) =>
        TypedResults.Ok(await AuditChain.VerifyAsync(db, ct));
}
