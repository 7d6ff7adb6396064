using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace VoiceProxy.Infrastructure;

/// <summary>Turns a body that could not be read (malformed JSON, wrong types, too large) into a 4xx problem, never a 500.</summary>
internal sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (exception is not BadHttpRequestException bad) return false;
        context.Response.StatusCode = bad.StatusCode;
        var detail = bad.InnerException is System.Text.Json.JsonException json
            ? $"The body is not valid JSON for this request: {json.Message}"
            : bad.Message;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Type = Problems.TypeBase + "bad-request", Title = "The request could not be read.", Status = bad.StatusCode, Detail = detail,
            },
        });
    }
}
