using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace VoiceProxy.Infrastructure;

/// <summary>RFC 9457 problem details used across the API.</summary>
internal static class Problems
{
    public const string TypeBase = "https://voiceproxy.dev/problems/";

    public static ProblemHttpResult Create(
        int status, string slug, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(new ProblemDetails
        {
            Type = TypeBase + slug,
            Title = title,
            Status = status,
            Detail = detail,
            Extensions = extensions ?? new Dictionary<string, object?>(),
        });

    public static ValidationProblem Invalid(Dictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The request is invalid.", type: TypeBase + "validation");

    public static ValidationProblem Invalid(string field, string message) => Invalid(new() { [field] = [message] });

    /// <summary>Text fields are bounded, so an over-long value is a 400 here rather than a database error later.</summary>
    public static void Limit(Dictionary<string, string[]> errors, string field, string? value, int max)
    {
        if (value?.Length > max) errors[field] = [$"must be at most {max} characters."];
    }

    public static ProblemHttpResult NotFound(string what) => Create(404, "not-found", "Not found", $"{what} was not found.");

    public static Task Write(HttpContext context, int status, string title, string detail, bool challenge = false)
    {
        if (challenge) context.Response.Headers.WWWAuthenticate = "Bearer";
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(
            new ProblemDetails
            {
                Type = TypeBase + title.ToLowerInvariant().Replace(' ', '-'), Title = title, Status = status, Detail = detail
            },
            options: null, contentType: "application/problem+json");
    }
}
