using Microsoft.Extensions.Options;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Privacy;

/// <summary>Erases personal data older than <c>VoiceProxy:Privacy:RetentionDays</c>: at start-up, then every
/// <c>SweepIntervalMinutes</c> on the injected clock.</summary>
internal sealed class RetentionSweep(
    Eraser eraser, IOptions<PrivacyOptions> options, TimeProvider time, ILogger<RetentionSweep> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(options.Value.SweepIntervalMinutes), time);
        do
        {
            try
            {
                var expired = await eraser.ExpireAsync(stoppingToken);
                if (expired.Total > 0)
                    log.LogInformation("Retention: erased personal data written before {Before:O} ({Records} records)",
                        expired.Before, expired.Total);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning("The retention sweep failed; will retry: {Error}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
