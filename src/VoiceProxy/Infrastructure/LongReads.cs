using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace VoiceProxy.Infrastructure;

/// <summary>
/// Caps the long reads (exports, figures, audit verification) each API key may run at once at
/// <c>VoiceProxy:Limits:ConcurrentLongReadsPerKey</c>; one more is answered 429 with <c>Retry-After</c>. A slot is held
/// until the response has been sent, so a streamed export holds it for as long as it streams.
/// </summary>
internal sealed class LongReadGate(IOptions<VoiceProxyOptions> options)
{
    /// <summary>What a refused request is told to wait, in seconds.</summary>
    public const int RetryAfterSeconds = 5;

    private readonly ConcurrentDictionary<string, int> _running = new(StringComparer.Ordinal);

    public IDisposable? TryEnter(string key)
    {
        var limit = options.Value.Limits.ConcurrentLongReadsPerKey;
        while (true)
        {
            var now = _running.GetOrAdd(key, 0);
            if (now >= limit) return null;
            if (_running.TryUpdate(key, now + 1, now)) return new Slot(this, key);
        }
    }

    private void Leave(string key) => _running.AddOrUpdate(key, 0, (_, n) => Math.Max(0, n - 1));

    private sealed class Slot(LongReadGate gate, string key) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0) gate.Leave(key);
        }
    }
}

internal static class LongReads
{
    public static IServiceCollection AddLongReads(this IServiceCollection services)
    {
        services.TryAddSingleton<LongReadGate>();
        return services;
    }

    /// <summary>Runs the endpoint only while its key holds one of its long-read slots.</summary>
    public static TBuilder LimitLongReads<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var key = http.User.Identity?.Name ?? "";
            if (http.RequestServices.GetRequiredService<LongReadGate>().TryEnter(key) is not { } slot)
            {
                http.Response.Headers.RetryAfter = LongReadGate.RetryAfterSeconds.ToString(
                    System.Globalization.CultureInfo.InvariantCulture);
                return Problems.Create(StatusCodes.Status429TooManyRequests, "too-many-long-reads", "Too many requests",
                    "This API key already runs as many exports, figures and audit verifications as it may at once "
                    + $"(VoiceProxy:Limits:ConcurrentLongReadsPerKey); retry after {LongReadGate.RetryAfterSeconds} s.");
            }
            http.Response.RegisterForDispose(slot);
            return await next(context);
        });
}
