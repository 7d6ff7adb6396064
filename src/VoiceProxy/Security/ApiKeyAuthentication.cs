using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Security;

/// <summary>Bearer API keys from configuration; keys are compared as SHA-256 digests in constant time.</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string SellerClaim = "seller";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(AuthenticateResult.NoResult());

        if (keys.Match(header["Bearer ".Length..]) is not { } match)
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));

        List<Claim> claims = [new(ClaimTypes.Name, match.Name), new(ClaimTypes.Role, match.Role.ToString())];
        if (match.Seller is not null) claims.Add(new(SellerClaim, match.Seller));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Problems.Write(Context, StatusCodes.Status401Unauthorized, "Unauthorized",
            "Send a valid API key as 'Authorization: Bearer <key>'.", challenge: true);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Write(Context, StatusCodes.Status403Forbidden, "Forbidden", "This API key's role may not do this.");
}

/// <summary>The configured keys, hashed once. A presented key is hashed and compared with every digest in constant time, so
/// timing tells neither which key matched nor how much of one did.</summary>
internal sealed class ApiKeyStore(IOptions<VoiceProxyOptions> config)
{
    private readonly (ApiKeyOptions Key, byte[] Hash)[] _keys = config.Value.ApiKeys.Select(k => (k, k.Hash())).ToArray();

    public ApiKeyOptions? Match(string presented)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented.Trim()));
        ApiKeyOptions? match = null;
        foreach (var (key, hash) in _keys)
            if (CryptographicOperations.FixedTimeEquals(digest, hash)) match ??= key;
        return match;
    }
}

internal static class Policies
{
    public const string Caller = nameof(Caller);
    public const string Supervisor = nameof(Supervisor);
    public const string Admin = nameof(Admin);
    public const string CallerOrSupervisor = nameof(CallerOrSupervisor);

    public static IServiceCollection AddApiKeyAuthentication(this IServiceCollection services)
    {
        services.AddSingleton<ApiKeyStore>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            // A route mapped without a policy is not public: it needs a signed-in key (or session). The public routes
            // (health, Twilio's signed webhooks, the supervisor page's shell and sign-in, API docs) say AllowAnonymous.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Caller, p => p.RequireRole(nameof(ApiRole.Caller)))
            .AddPolicy(Supervisor, p => p.RequireRole(nameof(ApiRole.Supervisor), nameof(ApiRole.Admin)))
            .AddPolicy(Admin, p => p.RequireRole(nameof(ApiRole.Admin)))
            .AddPolicy(CallerOrSupervisor,
                p => p.RequireRole(nameof(ApiRole.Caller), nameof(ApiRole.Supervisor), nameof(ApiRole.Admin)));
        return services;
    }

    /// <summary>The seller a Caller key is bound to; null for Supervisor and Admin keys.</summary>
    public static string? BoundSeller(this ClaimsPrincipal user) => user.FindFirstValue(ApiKeyAuthenticationHandler.SellerClaim);

    public static string KeyName(this ClaimsPrincipal user) => user.Identity?.Name ?? "anonymous";
}
