using Microsoft.Extensions.Options;
using VoiceProxy.Consent;
using VoiceProxy.Data;
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
                TimeSpan.FromHours(o.Caps.TransactionalWindowHours), RuleBook.LoadEmbedded()));
        });
        services.AddScoped<FactGatherer>();
        services.AddSingleton<IRevocationScope, RuleBookRevocationScope>();
        return services;
    }

    /// <summary>Stores the rule book in use under its version (see <see cref="RuleBooks"/>) before the first decision names
    /// it.</summary>
    public static void RecordRuleBook(this WebApplication app)
    {
        using var scope = app.Services.CreateScope();
        var services = scope.ServiceProvider;
        RuleBooks.RecordAsync(services.GetRequiredService<Gate>().Settings.Rules, services.GetRequiredService<VoiceProxyDb>(),
            services.GetRequiredService<StoreWriter>(), services.GetRequiredService<TimeProvider>()).GetAwaiter().GetResult();
    }

    /// <summary>Warns when a holiday list of a ban in force runs out within 60 days: after that, those states' calls fail
    /// closed.</summary>
    public static void WarnOfRuleDataEnding(this WebApplication app)
    {
        var today = DateOnly.FromDateTime(app.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
        var ending = app.Services.GetRequiredService<Gate>().Settings.Rules.Data.HolidayBans
            .Where(h => h.EffectiveTo is null || h.EffectiveTo >= today)
            .Where(h => today.AddDays(60) > h.CoveredThrough && (h.EffectiveTo is null || h.EffectiveTo > h.CoveredThrough))
            .ToList();
        if (ending.Count > 0)
            app.Logger.LogWarning(
                "State holiday lists end on {End}: calls to {States} that their holiday bans cover are blocked after that; " +
                "extend Compliance/Data/state-rules.json.", ending.Min(h => h.CoveredThrough),
                string.Join(", ", ending.Select(h => h.Jurisdiction)));
    }
}
