using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;
using VoiceProxy.Security;

namespace VoiceProxy.Audit;

internal static class AuditApi
{
    /// <summary>The journal every writer records history with, the sealer that chains it with the audit key, and the writer
    /// of signed checkpoints.</summary>
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<VoiceProxyOptions>, AuditKeyValidator>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<VoiceProxyOptions>>().Value;
            var development = AuditKeyValidator.AllowsDevelopmentKey(sp.GetRequiredService<IHostEnvironment>());
            var (keys, problems) = AuditKeys.Load(options.Audit, development);
            return keys ?? throw new OptionsValidationException(VoiceProxyOptions.Section, typeof(VoiceProxyOptions), problems);
        });
        services.AddSingleton<Journal>();
        services.AddSingleton<AuditSealer>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditSealer>());
        services.AddHostedService<AuditCheckpointWriter>();
        services.AddLongReads();
        return services;
    }

    public static RouteGroupBuilder MapAudit(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/audit").WithTags("Audit").RequireAuthorization(Policies.Supervisor);
        group.MapGet("/verify", Verify).LimitLongReads();
        group.MapPost("/verify", VerifyAgainst).LimitLongReads();
        group.MapGet("/checkpoint", Checkpoint);
        return group;
    }

    private static async Task<Ok<AuditVerification>> Verify(VoiceProxyDb db, AuditKeys keys, CancellationToken ct) =>
        TypedResults.Ok(await AuditChain.VerifyAsync(db, keys, ct));

    /// <summary>The body is a checkpoint as <c>GET /v1/audit/checkpoint</c> gave it (a checkpoint file's content).</summary>
    private static async Task<Results<Ok<AuditVerification>, ValidationProblem>> VerifyAgainst(
        HttpRequest request, VoiceProxyDb db, AuditKeys keys, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body);
        var (checkpoint, problem) = AuditCheckpoint.Parse(await reader.ReadToEndAsync(ct));
        problem ??= checkpoint!.Problem(keys);
        if (problem is not null) return Problems.Invalid("checkpoint", problem);
        return TypedResults.Ok(await AuditChain.VerifyAsync(db, keys, ct, checkpoint));
    }

    private static async Task<Results<Ok<AuditCheckpoint>, ProblemHttpResult>> Checkpoint(
        VoiceProxyDb db, AuditKeys keys, HttpContext http, CancellationToken ct)
    {
        http.Response.Headers.CacheControl = "no-store";
        return await AuditCheckpoint.OfHeadAsync(db, keys, ct) is { } checkpoint
            ? TypedResults.Ok(checkpoint)
            : Problems.Create(404, "not-found", "Not found",
                "Nothing is sealed yet, or the latest seal names a head the chain does not hold (run audit verify).");
    }
}
