using Microsoft.AspNetCore.Http.HttpResults;
using VoiceProxy.Data;
using VoiceProxy.Security;

namespace VoiceProxy.Audit;

internal static class AuditApi
{
    /// <summary>The journal every writer records history with, and the sealer that chains it.</summary>
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddSingleton<Journal>();
        services.AddSingleton<AuditSealer>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditSealer>());
        return services;
    }

    public static RouteGroupBuilder MapAudit(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/audit").WithTags("Audit").RequireAuthorization(Policies.Supervisor);
        group.MapGet("/verify", Verify);
        return group;
    }

    private static async Task<Ok<AuditVerification>> Verify(VoiceProxyDb db, CancellationToken ct) =>
        TypedResults.Ok(await AuditChain.VerifyAsync(db, ct));
}
