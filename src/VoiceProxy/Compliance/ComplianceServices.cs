using Microsoft.Extensions.Options;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Compliance;

internal static class ComplianceServices
{
    /// <summary>The area-code table, the gate with its rule data, and the fact gatherer.</summary>
    public static IServiceCollection AddCompliance(this IServiceCollection services)
    {
        services.AddSingleton(_ => NpaTable.LoadEmbedded());
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<VoiceProxyOptions>>().Value;
            return new Gate(new GateSettings(o.Registry.MaxAgeDays, o.Caps.MarketingPer24Hours, o.Caps.TransactionalMaxCalls,
                TimeSpan.FromHours(o.Caps.TransactionalWindowHours), StateRules.LoadEmbedded()));
        });
        services.AddScoped<FactGatherer>();
        return services;
    }

    /// <summary>Warns when the state holiday lists run out within 60 days: after that, those states' marketing calls fail
    /// closed.</summary>
    public static void WarnOfRuleDataEnding(this WebApplication app)
    {
        var holidaysEnd = app.Services.GetRequiredService<Gate>().Settings.States.HolidaysCoveredThrough;
        var today = DateOnly.FromDateTime(app.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
        if (today.AddDays(60) > holidaysEnd)
            app.Logger.LogWarning(
                "State holiday lists end on {End}: marketing calls to AL, LA, MS, PA, RI and UT are blocked after that; " +
                "extend Compliance/Data/state-rules.json.", holidaysEnd);
    }
}
