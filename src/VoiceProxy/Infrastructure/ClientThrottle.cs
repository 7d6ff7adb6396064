using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace VoiceProxy.Infrastructure;

/// <summary>
/// Per-client-address limits on traffic that carries no valid key. Only failures are counted: a missing or unknown API key on
/// a protected route, a webhook without a valid signature, a refused supervisor sign-in. An address over its failure budget
/// gets 429 with Retry-After for its next failures, before any 401 or 403; its requests with a valid key or a valid
/// signature are never counted and never refused here, so one address (a load balancer, a NAT, Twilio) that carries both
/// good and bad traffic keeps the good. Sign-in refusals lock the address out of signing in, for a window that doubles with
/// each further refusal (a correct key is refused too while the window lasts: that is what makes guessing slow). The health
/// routes have a generous per-address rate of their own. The client address is the connection's remote address after the
/// trusted proxies' X-Forwarded-For (VoiceProxy:Deployment:KnownProxies); an IPv6 client is counted by its /64, which one
/// host usually holds whole.
/// </summary>
internal sealed class ClientThrottle(IOptions<VoiceProxyOptions> options, TimeProvider time, ILogger<ClientThrottle> log)
{
    /// <summary>Endpoint metadata for the health routes, which get the health rate instead of the failure budget.</summary>
    public static readonly HealthRouteMarker HealthRoute = new();

    /// <summary>Addresses remembered per table before idle ones are forgotten.</summary>
    private const int MaxTracked = 50_000;

    private readonly AnonymousLimitOptions _limits = options.Value.Limits.Anonymous;
    private readonly ConcurrentDictionary<string, Bucket> _failures = new();
    private readonly ConcurrentDictionary<string, Bucket> _health = new();
    private readonly ConcurrentDictionary<string, SignInRecord> _signIns = new();
    private int _sweeping;

    /// <summary>Counts one failure from the request's address; false, with the wait, when the address has none left.</summary>
    public bool TryFail(HttpContext http, out TimeSpan retryAfter)
    {
        var client = ClientOf(http);
        var ok = Take(_failures, client, _limits.FailuresPerMinute / 60.0, _limits.FailureBurst, out retryAfter, out var started);
        if (started)
            log.LogWarning("Client {Client} is over its budget of failed requests; its failures get 429 for {Seconds} s",
                client, Seconds(retryAfter));
        return ok;
    }

    /// <summary>Counts one health request from the request's address; false, with the wait, when it is over the rate.</summary>
    public bool TryHealth(HttpContext http, out TimeSpan retryAfter) =>
        Take(_health, ClientOf(http), _limits.HealthPermitsPerSecond, _limits.HealthBurst, out retryAfter, out _);

    /// <summary>How long the request's address is still locked out of signing in, or null.</summary>
    public TimeSpan? SignInLockedFor(HttpContext http)
    {
        if (!_signIns.TryGetValue(ClientOf(http), out var record)) return null;
        lock (record)
        {
            var left = record.LockedUntil - time.GetUtcNow();
            return left > TimeSpan.Zero ? left : null;
        }
    }

    /// <summary>Records a refused sign-in; after the free ones, each locks the address out for twice as long as the last
    /// (up to the maximum). Refusals are forgotten once none has come for the longest lock-out.</summary>
    public void SignInFailed(HttpContext http)
    {
        var client = ClientOf(http);
        var record = _signIns.GetOrAdd(client, _ => new SignInRecord());
        var now = time.GetUtcNow();
        var longest = TimeSpan.FromSeconds(_limits.SignInMaxLockoutSeconds);
        lock (record)
        {
            if (now - record.LastFailure > longest && now >= record.LockedUntil) record.Failures = 0;
            record.Failures++;
            record.LastFailure = now;
            var over = record.Failures - _limits.SignInFreeFailures;
            if (over <= 0) return;
            var seconds = Math.Min(_limits.SignInLockoutSeconds * Math.Pow(2, Math.Min(over - 1, 30)), longest.TotalSeconds);
            record.LockedUntil = now + TimeSpan.FromSeconds(seconds);
            log.LogWarning("Supervisor sign-in from {Client} locked for {Seconds} s after {Failures} refusals",
                client, Seconds(TimeSpan.FromSeconds(seconds)), record.Failures);
        }
        Sweep(_signIns, r => { lock (r) return now - r.LastFailure > longest && now >= r.LockedUntil; });
    }

    /// <summary>A successful sign-in clears the address's refusals.</summary>
    public void SignInSucceeded(HttpContext http) => _signIns.TryRemove(ClientOf(http), out _);

    /// <summary>The 429 problem with Retry-After in whole seconds (at least 1).</summary>
    public static Task Refuse(HttpContext http, TimeSpan retryAfter, string detail)
    {
        SetRetryAfter(http, retryAfter);
        return Problems.Write(http, StatusCodes.Status429TooManyRequests, "Too many requests",
            $"{detail} Retry after {Seconds(retryAfter)} s.");
    }

    public static void SetRetryAfter(HttpContext http, TimeSpan retryAfter) =>
        http.Response.Headers.RetryAfter = Seconds(retryAfter).ToString(CultureInfo.InvariantCulture);

    public static int Seconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));

    /// <summary>The address a request is counted under: IPv4 as it is, IPv6 by its /64 prefix.</summary>
    public static string ClientOf(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private bool Take(ConcurrentDictionary<string, Bucket> table, string client, double perSecond, int burst,
        out TimeSpan retryAfter, out bool startedRefusing)
    {
        var now = time.GetUtcNow();
        var bucket = table.GetOrAdd(client, _ => new Bucket(burst, now));
        bool ok;
        lock (bucket)
        {
            bucket.Tokens = Math.Min(burst, bucket.Tokens + (now - bucket.At).TotalSeconds * perSecond);
            bucket.At = now;
            ok = bucket.Tokens >= 1;
            if (ok) bucket.Tokens -= 1;
            retryAfter = ok ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - bucket.Tokens) / perSecond);
            startedRefusing = !ok && !bucket.Refusing;
            bucket.Refusing = !ok;
        }
        Sweep(table, b =>
        {
            lock (b) return b.Tokens + (now - b.At).TotalSeconds * perSecond >= burst;
        });
        return ok;
    }

    /// <summary>Keeps the tables bounded when many addresses come and go: past the cap, entries that would be as if new (a
    /// full bucket, no refusal to remember) are dropped.</summary>
    private void Sweep<T>(ConcurrentDictionary<string, T> table, Func<T, bool> idle) where T : notnull
    {
        if (table.Count <= MaxTracked || Interlocked.Exchange(ref _sweeping, 1) == 1) return;
        try
        {
            foreach (var (key, value) in table)
                if (idle(value)) table.TryRemove(key, out _);
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private sealed class Bucket(double tokens, DateTimeOffset at)
    {
        public double Tokens = tokens;
        public DateTimeOffset At = at;
        public bool Refusing;
    }

    private sealed class SignInRecord
    {
        public int Failures;
        public DateTimeOffset LastFailure;
        public DateTimeOffset LockedUntil;
    }
}

internal sealed class HealthRouteMarker;

internal static class ClientThrottling
{
    /// <summary>Between authentication and authorization: a request without a valid key to a route that needs one is a
    /// failure of its address, answered 429 once the address is over budget (else the 401 follows); health routes take from
    /// the health rate. Requests with a valid key pass untouched.</summary>
    public static IApplicationBuilder UseClientThrottle(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.User.Identity?.IsAuthenticated != true)
        {
            var endpoint = context.GetEndpoint();
            var throttle = context.RequestServices.GetRequiredService<ClientThrottle>();
            if (endpoint?.Metadata.GetMetadata<HealthRouteMarker>() is not null)
            {
                if (!throttle.TryHealth(context, out var wait))
                {
                    await ClientThrottle.Refuse(context, wait, "This address is asking for health too often.");
                    return;
                }
            }
            else if (endpoint?.Metadata.GetMetadata<IAllowAnonymous>() is null && !throttle.TryFail(context, out var wait))
            {
                await ClientThrottle.Refuse(context, wait, "Too many requests without a valid API key from this address.");
                return;
            }
        }
        await next(context);
    });
}
