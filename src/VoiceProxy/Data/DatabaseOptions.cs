using Microsoft.Extensions.Options;

namespace VoiceProxy.Data;

public enum DatabaseProvider { Sqlite, Postgres }

/// <summary>Which database holds the store; the connection string stays ConnectionStrings:VoiceProxy.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "VoiceProxy:Database";

    /// <summary><c>Sqlite</c> (default: one instance, an embedded file) or <c>Postgres</c> (several instances sharing one
    /// database). Kept as text so a wrong value is reported with its key rather than as a binder exception.</summary>
    public string Provider { get; set; } = nameof(DatabaseProvider.Sqlite);

    /// <summary>The provider named; options read through IOptions are validated first, so an unknown name never gets
    /// here.</summary>
    public DatabaseProvider Kind => TryParse(Provider, out var kind) ? kind : DatabaseProvider.Sqlite;

    internal static bool TryParse(string? value, out DatabaseProvider kind)
    {
        var name = Enum.GetNames<DatabaseProvider>()
            .FirstOrDefault(n => string.Equals(n, value?.Trim(), StringComparison.OrdinalIgnoreCase));
        kind = name is null ? default : Enum.Parse<DatabaseProvider>(name);
        return name is not null;
    }

    internal static string ProviderError(string? value) => $"{Section}:Provider must be Sqlite or Postgres (was '{value}').";
}

internal sealed class DatabaseOptionsValidator(IConfiguration config) : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions o)
    {
        if (!DatabaseOptions.TryParse(o.Provider, out var kind))
            return ValidateOptionsResult.Fail(DatabaseOptions.ProviderError(o.Provider));
        if (kind == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(config.GetConnectionString("VoiceProxy")))
            return ValidateOptionsResult.Fail(
                $"ConnectionStrings:VoiceProxy is required when {DatabaseOptions.Section}:Provider is Postgres.");
        return ValidateOptionsResult.Success;
    }
}
