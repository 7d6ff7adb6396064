using Scalar.AspNetCore;

namespace VoiceProxy.Infrastructure;

internal static class ApiDocs
{
    /// <summary>The OpenAPI document at /openapi/v1.json and its browsable UI at /scalar, in Development only: a production
    /// gate does not advertise its surface to whoever can reach it.</summary>
    public static IEndpointRouteBuilder MapApiDocs(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment()) return app;
        app.MapOpenApi();
        app.MapScalarApiReference(o => o.WithTitle("VoiceProxy API"));
        return app;
    }
}
