using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using VoiceProxy.Consent;

namespace VoiceProxy.Compliance;

public sealed record HoursWindow(TimeOnly Start, TimeOnly End)
{
    public bool Contains(TimeOnly t) => t >= Start && t < End;
    public override string ToString() => $"{Start:HH\\:mm}-{End:HH\\:mm}";
}

public sealed record StateHours(string State, TimeOnly Start, TimeOnly End, string AppliesTo, string Citation,
    Dictionary<DayOfWeek, HoursWindow>? Days = null)
{
    public HoursWindow WindowOn(DayOfWeek day) =>
        Days is not null && Days.TryGetValue(day, out var w) ? w : new HoursWindow(Start, End);
}

public sealed record RestrictedDays(string State, DayOfWeek[] Days, string AppliesTo, string Citation);

public sealed record StateHolidays(string State, DateOnly[] Dates, string AppliesTo, string Citation);

/// <summary>The state overlays, as data (Compliance/Data/state-rules.json).</summary>
public sealed record StateRules(StateHours[] CallingHours, RestrictedDays[] RestrictedDays, StateHolidays[] Holidays,
    DateOnly HolidaysCoveredThrough, string[] RegistryStates)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() }
    };

    public static StateRules LoadEmbedded()
    {
        using var stream = Assembly.GetExecutingAssembly()
            .GetManifestResourceStream("VoiceProxy.Compliance.Data.state-rules.json")
            ?? throw new InvalidOperationException("Embedded state-rules.json is missing.");
        return JsonSerializer.Deserialize<StateRules>(stream, Json)
            ?? throw new InvalidOperationException("state-rules.json is empty.");
    }

    public static bool AppliesTo(string appliesTo, Purpose purpose) =>
        appliesTo == "any" || (appliesTo == "marketing" && purpose == Purpose.Marketing);
}
