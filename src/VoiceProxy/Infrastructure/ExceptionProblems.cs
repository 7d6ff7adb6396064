using System.Data.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace VoiceProxy.Infrastructure;

/// <summary>Expected failures become problems, never a 500 with a stack trace: a body that cannot be read is a 4xx; a
/// database that cannot be reached or written is a 503, and nothing is placed (fail closed).</summary>
internal sealed class ExceptionProblems(IProblemDetailsService problems, ILogger<ExceptionProblems> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        ProblemDetails? problem = exception switch
        {
            BadHttpRequestException bad => new()
            {
                Type = Problems.TypeBase + "bad-request", Title = "The request could not be read.", Status = bad.StatusCode,
                Detail = bad.InnerException is System.Text.Json.JsonException json
                    ? $"The body is not valid JSON for this request: {json.Message}"
                    : bad.Message,
            },
            _ when IsDatabaseFailure(exception) => new()
            {
                Type = Problems.TypeBase + "database-unavailable", Title = "Service unavailable",
                Status = StatusCodes.Status503ServiceUnavailable,
                Detail = "The database cannot be reached or written; nothing was done. Try again later.",
            },
            _ => null,
        };
        if (problem is null) return false;
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
            log.LogError("Database failure on {Method} {Path}: {Error}",
                context.Request.Method, context.Request.Path.Value, exception.GetBaseException().Message);
        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(
            new ProblemDetailsContext { HttpContext = context, Exception = exception, ProblemDetails = problem });
    }

    private static bool IsDatabaseFailure(Exception e) =>
        e is DbException or DbUpdateException || e.InnerException is { } inner && IsDatabaseFailure(inner);
}
