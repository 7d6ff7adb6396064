namespace VoiceProxy.Infrastructure;

/// <summary>Browser-facing protections on every response the service sends (API answers, problems, TwiML, static files,
/// errors, 404s): no MIME sniffing, no framing, no referrer, and a Content-Security-Policy for the kind of response. HTML
/// (the supervisor page) may load its own scripts, styles and images and talk to this origin only; anything else may load
/// nothing at all, so a JSON, XML or SVG answer opened in a browser can run nothing. A handler that sets its own policy
/// keeps it.</summary>
internal static class SecurityHeaders
{
    /// <summary>The supervisor page's policy: its own files only, no inline script or style, forms to itself.</summary>
    public const string PagePolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>Everything that is not a page: nothing may load, nothing may frame it.</summary>
    public const string DataPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /// <summary>First in the pipeline, so the headers are on whatever answers: the exception handler, the status-code pages,
    /// static files, the limits and every endpoint. They are added as the response starts, when its content type is
    /// known.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(static state =>
        {
            var response = (HttpResponse)state;
            var headers = response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            if (headers.ContentSecurityPolicy.Count == 0)
                headers.ContentSecurityPolicy = IsHtml(response.ContentType) ? PagePolicy : DataPolicy;
            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    });

    private static bool IsHtml(string? contentType) =>
        contentType is not null && contentType.StartsWith("text/html", StringComparison.OrdinalIgnoreCase);
}
