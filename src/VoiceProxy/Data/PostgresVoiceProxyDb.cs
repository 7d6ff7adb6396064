using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace VoiceProxy.Data;

/// <summary>The same model on PostgreSQL. A distinct context type is how EF keeps a second set of migrations
/// (Migrations/Postgres, history in the same __EFMigrationsHistory name) beside SQLite's without either knowing.</summary>
public sealed class PostgresVoiceProxyDb(DbContextOptions options) : VoiceProxyDb(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        // timestamptz takes only offset-zero values; callers may send instants with any offset.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<ToUtcConverter>();
    }

    internal sealed class ToUtcConverter() : ValueConverter<DateTimeOffset, DateTimeOffset>(v => v.ToUniversalTime(), v => v);
}
