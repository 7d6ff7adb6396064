using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using VoiceProxy.Audit;
using VoiceProxy.Bulk;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;
using VoiceProxy.Security;

namespace VoiceProxy.Supervisor;

public sealed record AntiforgeryToken(string Field, string Token);
public sealed record SupervisorSession(bool SignedIn, string? Name, AntiforgeryToken Antiforgery);

/// <summary>
/// The supervisor web page: static files from wwwroot/supervisor, and a session cookie obtained by signing in with a
/// Supervisor or Admin key. The cookie is HttpOnly and SameSite=Strict, carries only the Supervisor role (a browser
/// session reviews; it never administers), and is accepted on /v1 only for GET and HEAD, so the API cannot be driven
/// across sites with it; the page's own forms carry anti-forgery tokens. Outside Development both cookies are Secure and
/// named with the <c>__Host-</c> prefix (Path=/, no Domain), so no subdomain or plain-HTTP page can set or read them. The
/// cookie names a server-side session (<see cref="SupervisorSessions"/>), checked on every request: sign-out, the key's
/// removal and the absolute lifetime end it wherever the cookie has been copied.
/// </summary>
internal static class SupervisorPage
{
    public const string CookieScheme = "SupervisorCookie";
    public const string CookieName = "voiceproxy-supervisor";
    public const string SecureCookieName = "__Host-" + CookieName;
    public const string SessionClaim = "voiceproxy-session";
    private const string AntiforgeryCookieName = "voiceproxy-antiforgery";
    private const string SelectorScheme = "ApiKeyOrSupervisorCookie";
    private const string ContentSecurityPolicy = SecurityHeaders.PagePolicy;

    /// <summary>Adds the cookie scheme and makes the default scheme pick Bearer keys or the cookie per request.
    /// Call after <see cref="Policies.AddApiKeyAuthentication"/>, whose default scheme this replaces.</summary>
    public static IServiceCollection AddSupervisorSignIn(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<SupervisorSessionOptions>().Bind(config.GetSection(SupervisorSessionOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SupervisorSessionOptions>, SessionOptionsValidator>();
        services.AddSingleton<SupervisorSessions>();
        services.AddAntiforgery(o =>
        {
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.FormFieldName = "__antiforgery";
        });
        services.AddOptions<AntiforgeryOptions>().Configure<IHostEnvironment>((o, env) =>
        {
            var development = env.IsDevelopment();
            o.Cookie.Name = development ? AntiforgeryCookieName : "__Host-" + AntiforgeryCookieName;
            o.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
            o.Cookie.Path = "/";
        });
        services.AddAuthentication()
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.Path = "/";
                o.SlidingExpiration = true;
                o.Events.OnValidatePrincipal = ValidateSessionAsync;
            })
            .AddPolicyScheme(SelectorScheme, "API key, or the supervisor page's session", o =>
            {
                o.ForwardDefaultSelector = SelectScheme;
                // Whatever authenticated, a refusal is the API's problem+json 401/403, never a redirect.
                o.ForwardChallenge = ApiKeyAuthenticationHandler.SchemeName;
                o.ForwardForbid = ApiKeyAuthenticationHandler.SchemeName;
            });
        services.AddOptions<CookieAuthenticationOptions>(CookieScheme)
            .Configure<IHostEnvironment, IOptions<SupervisorSessionOptions>>((o, env, sessions) =>
            {
                var development = env.IsDevelopment();
                o.Cookie.Name = development ? CookieName : SecureCookieName;
                o.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
                o.ExpireTimeSpan = TimeSpan.FromMinutes(sessions.Value.IdleMinutes);
            });
        services.Configure<AuthenticationOptions>(o => o.DefaultScheme = SelectorScheme);
        return services;
    }

    /// <summary>Every request with the cookie: its session must still be good on the server, else the cookie is dropped and
    /// the request is anonymous.</summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var sessions = context.HttpContext.RequestServices.GetRequiredService<SupervisorSessions>();
        if (context.Principal?.FindFirstValue(SessionClaim) is { } id
            && await sessions.IsActiveAsync(id, context.HttpContext.RequestAborted)) return;
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(CookieScheme);
    }

    private static string SelectScheme(HttpContext http)
    {
        var request = http.Request;
        var cookie = http.RequestServices.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>()
            .Get(CookieScheme).Cookie.Name!;
        if (request.Headers.Authorization.Count > 0 || !request.Cookies.ContainsKey(cookie))
            return ApiKeyAuthenticationHandler.SchemeName;
        return request.Path.StartsWithSegments("/supervisor") || HttpMethods.IsGet(request.Method)
            || HttpMethods.IsHead(request.Method)
            ? CookieScheme : ApiKeyAuthenticationHandler.SchemeName;
    }

    /// <summary>Outside Development the page's cookies are Secure, so the page and its sign-in work over HTTPS only (directly,
    /// or through a proxy whose X-Forwarded-Proto is believed): a plain-HTTP request under /supervisor gets 403 instead
    /// of a session the browser would send in the clear.</summary>
    public static void UseSupervisorHttpsOnly(this WebApplication app)
    {
        if (app.Environment.IsDevelopment()) return;
        app.Use((http, next) => http.Request.IsHttps || !http.Request.Path.StartsWithSegments("/supervisor")
            ? next(http)
            : Problems.Write(http, StatusCodes.Status403Forbidden, "HTTPS required",
                "The supervisor page is served over HTTPS only."));
    }

    /// <summary>Anti-forgery as the framework checks it, and a form whose token is missing or wrong is a 400 problem before any
    /// handler runs: the request delegates generated at build time would read such a form as an error (500).</summary>
    public static void UseFormAntiforgery(this WebApplication app)
    {
        app.UseAntiforgery();
        app.Use((http, next) => http.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false }
            ? Problems.Write(http, StatusCodes.Status400BadRequest, "Anti-forgery token invalid",
                "The form's anti-forgery token is missing or invalid; reload the page and try again.")
            : next(http));
    }

    public static RouteGroupBuilder MapSupervisorPage(this IEndpointRouteBuilder routes)
    {
        // The page shell, the session probe, sign-in and sign-out are open to anyone; the data behind them is /v1's.
        var group = routes.MapGroup("/supervisor").WithTags("Supervisor page").ExcludeFromDescription().AllowAnonymous();
        group.MapGet("/", Page);
        group.MapGet("/session", Session);
        group.MapPost("/sign-in", SignIn);
        group.MapPost("/sign-out", SignOut);
        group.MapPost("/replay", Replay);
        return group;
    }

    private static Results<FileStreamHttpResult, ProblemHttpResult> Page(IWebHostEnvironment env, HttpContext http)
    {
        var file = env.WebRootFileProvider.GetFileInfo("supervisor/index.html");
        if (!file.Exists) return Problems.NotFound("The supervisor page (wwwroot/supervisor/index.html)");
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers.CacheControl = "no-cache";
        headers["Referrer-Policy"] = "no-referrer";
        return TypedResults.File(file.CreateReadStream(), "text/html; charset=utf-8");
    }

    /// <summary>Who is signed in, and a fresh anti-forgery token for the page's forms (tokens are bound to the user).</summary>
    private static Ok<SupervisorSession> Session(HttpContext http, IAntiforgery antiforgery, IOptions<AntiforgeryOptions> options)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        http.Response.Headers.CacheControl = "no-store";
        var signedIn = http.User.Identity?.AuthenticationType == CookieScheme;
        return TypedResults.Ok(new SupervisorSession(signedIn, signedIn ? http.User.KeyName() : null,
            new AntiforgeryToken(options.Value.FormFieldName, tokens.RequestToken!)));
    }

    /// <summary>Form post (anti-forgery checked by the framework because the handler binds a form). Refusals from one address
    /// lock it out of signing in for a growing window (ClientThrottle), in which even a good key gets 429.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> SignIn(
        [FromForm(Name = "key")] string? key, HttpContext http, ApiKeyStore keys, SupervisorSessions sessions, StoreWriter writer,
        Journal journal, ClientThrottle throttle, ILogger<SupervisorSession> log)
    {
        if (throttle.SignInLockedFor(http) is { } wait)
        {
            ClientThrottle.SetRetryAfter(http, wait);
            return Problems.Create(429, "too-many-requests", "Too many requests",
                $"Too many refused sign-ins from this address. Retry after {ClientThrottle.Seconds(wait)} s.");
        }
        var match = keys.Match(key ?? "");
        if (match is null || match.Role is not (ApiRole.Supervisor or ApiRole.Admin))
        {
            throttle.SignInFailed(http);
            log.LogWarning("Supervisor sign-in refused: {Why}",
                match is null ? "unknown key" : $"key '{match.Name}' has role {match.Role}");
            return Problems.Create(401, "sign-in-refused", "Sign-in refused", "That is not a Supervisor key.");
        }

        var session = await sessions.StartAsync(match);
        var identity = new ClaimsIdentity(
            [new(ClaimTypes.Name, match.Name), new(ClaimTypes.Role, nameof(ApiRole.Supervisor)), new(SessionClaim, session)],
            CookieScheme);
        throttle.SignInSucceeded(http);
        await http.SignInAsync(CookieScheme, new ClaimsPrincipal(identity),
            new AuthenticationProperties { IsPersistent = false });
        await writer.WriteAsync(w => journal.Audit(w, "supervisor.signed_in", match.Name, null, null, new { channel = "web" }));
        return TypedResults.NoContent();
    }

    /// <summary>Checks the anti-forgery token itself: the form has nothing else for the framework to bind. Ends the session on
    /// the server, so a copy of the cookie is refused too.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> SignOut(
        HttpContext http, IAntiforgery antiforgery, SupervisorSessions sessions, StoreWriter writer, Journal journal)
    {
        try
        {
            await antiforgery.ValidateRequestAsync(http);
        }
        catch (AntiforgeryValidationException)
        {
            return Problems.Create(400, "antiforgery", "Anti-forgery check failed", "Reload the page and sign out again.");
        }
        if (http.User.Identity?.AuthenticationType == CookieScheme && http.User.FindFirstValue(SessionClaim) is { } session)
        {
            await sessions.EndAsync(session);
            var name = http.User.Identity.Name ?? "";
            await writer.WriteAsync(w => journal.Audit(w, "supervisor.signed_out", name, null, null, new { channel = "web" }));
        }
        await http.SignOutAsync(CookieScheme);
        return TypedResults.NoContent();
    }

    /// <summary>Most differences the page shows of one replay; the API streams them all.</summary>
    public const int ReplayShown = 500;

    /// <summary>The page's replay form (anti-forgery checked by the framework: the handler binds a form). The cookie may not
    /// POST to /v1, so the page replays here; instants are UTC, as the page's fields say.</summary>
    private static async Task<Results<Ok<ReplayPageResult>, ValidationProblem, ProblemHttpResult>> Replay(
        [FromForm(Name = "from")] string? from, [FromForm(Name = "to")] string? to, [FromForm(Name = "seller")] string? seller,
        [FromForm(Name = "facts")] string? facts, HttpContext http, Replayer replayer, IRuleBooks rules,
        IOptions<VoiceProxyOptions> options)
    {
        if (http.User.Identity?.AuthenticationType != CookieScheme)
            return Problems.Create(401, "unauthorized", "Unauthorized", "Sign in to the supervisor page first.");
        var body = new ReplayBody(Instant(from), Instant(to), string.IsNullOrEmpty(seller) ? null : seller, null,
            string.IsNullOrEmpty(facts) ? null : facts);
        var (request, gate, errors) = await BulkApi.ValidateAsync(body, rules, options.Value, http.RequestAborted);
        if (request is null) return Problems.Invalid(errors);
        var shown = new List<ReplayDifference>();
        var counts = await replayer.RunAsync(request, gate!, d =>
        {
            if (shown.Count < ReplayShown) shown.Add(d);
            return Task.CompletedTask;
        }, http.RequestAborted);
        return TypedResults.Ok(new ReplayPageResult(counts, shown, counts.Changed > shown.Count));
    }

    private static DateTimeOffset? Instant(string? value) => DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture,
        DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) ? at : null;
}

public sealed record ReplayPageResult(ReplayCounts Counts, IReadOnlyList<ReplayDifference> Differences, bool More);
