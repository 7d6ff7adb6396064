using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace VoiceProxy.Infrastructure;

internal static class ApiDocs
{
    private const string ScalarPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>The OpenAPI description: the Bearer API-key scheme, and the 401, 403 and 429 problems every /v1 operation can
    /// answer.</summary>
    public static IServiceCollection AddApiDocs(this IServiceCollection services) => services.AddOpenApi(o =>
    {
        o.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "An API key: 'Authorization: Bearer <key>'.",
            };
            document.Security =
                [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("ApiKey", document)] = [] }];
            return Task.CompletedTask;
        });
        o.AddOperationTransformer((operation, context, _) =>
        {
            if (context.Description.RelativePath?.StartsWith("v1/", StringComparison.Ordinal) != true) return Task.CompletedTask;
            operation.Responses ??= [];
            operation.Responses.TryAdd("401", new OpenApiResponse { Description = "Missing or unknown API key (problem+json)." });
            operation.Responses.TryAdd("403",
                new OpenApiResponse { Description = "This key's role or seller may not do this (problem+json)." });
            operation.Responses.TryAdd("429",
                new OpenApiResponse { Description = "Too many requests for this key; see Retry-After (problem+json)." });
            return Task.CompletedTask;
        });
    });

    /// <summary>The OpenAPI document at /openapi/v1.json and its browsable UI at /scalar, in Development only: a production
    /// gate does not advertise its surface to whoever can reach it.</summary>
    public static IEndpointRouteBuilder MapApiDocs(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment()) return app;
        // Scalar's page configures itself with an inline script and styles: it gets a policy of its own, in Development only.
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/scalar")) context.Response.Headers.ContentSecurityPolicy = ScalarPolicy;
            return next(context);
        });
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference(o => o.WithTitle("VoiceProxy API")).AllowAnonymous();
        return app;
    }
}
