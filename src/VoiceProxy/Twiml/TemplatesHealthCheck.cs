using Microsoft.Extensions.Diagnostics.HealthChecks;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Twiml;

/// <summary>Ready only when every supported language has its compliance frame and at least one message: a call in a language
/// without them could not say who is calling or how to opt out.</summary>
internal sealed class TemplatesHealthCheck(TemplateCatalog catalog) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var missing = Languages.All.Where(l => !catalog.HasFrame(l) || catalog.CountFor(l) == 0).ToList();
        var data = Languages.All.ToDictionary(l => l, l => (object)catalog.CountFor(l));
        return Task.FromResult(missing.Count == 0
            ? HealthCheckResult.Healthy($"{catalog.Count} templates in {Languages.All.Length} languages.", data)
            : HealthCheckResult.Unhealthy($"No frame or no templates for {string.Join(", ", missing)}.", data: data));
    }
}
