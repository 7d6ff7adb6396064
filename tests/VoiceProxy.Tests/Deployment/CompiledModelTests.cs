using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using VoiceProxy.Data;

namespace VoiceProxy.Tests.Deployment;

/// <summary>The store starts on EF models compiled ahead of time (Data/CompiledModels, found through their assembly
/// attributes), which saves building the model at start-up. They must say what the code says: a model change needs
/// <c>dotnet ef dbcontext optimize</c> for both providers (docs/operations.md), and this test fails until it is run.</summary>
public sealed class CompiledModelTests
{
    public static TheoryData<string> Providers => ["Sqlite", "Postgres"];

    [Theory, MemberData(nameof(Providers))]
    public void CompiledModel_IsTheModelTheCodeBuilds(string provider)
    {
        using var db = provider == "Postgres"
            ? new PostgresVoiceProxyDb(new DbContextOptionsBuilder<VoiceProxyDb>().UseNpgsql("Host=unused").Options)
            : new VoiceProxyDb(new DbContextOptionsBuilder<VoiceProxyDb>().UseSqlite("Data Source=:memory:").Options);

        var compiled = db.Model;
        var fromCode = db.GetService<IDesignTimeModel>().Model;

        Assert.IsAssignableFrom<Microsoft.EntityFrameworkCore.Metadata.RuntimeModel>(compiled);
        Assert.Equal(Describe(fromCode), Describe(compiled));
    }

    /// <summary>Tables, columns (type, store type, nullability, length, converter), keys and indexes, one line each.</summary>
    private static List<string> Describe(IModel model) =>
        [.. model.GetEntityTypes().OrderBy(e => e.Name).SelectMany(e =>
            e.GetProperties().Select(p =>
                    $"{e.GetTableName()}.{p.GetColumnName()}: {p.ClrType.Name} {p.GetColumnType()} " +
                    $"null={p.IsNullable} max={p.GetMaxLength()} conv={p.GetValueConverter()?.GetType().Name}")
                .Concat(e.GetKeys().Select(k => $"{e.GetTableName()} key {string.Join(",", k.Properties.Select(p => p.Name))}"))
                .Concat(e.GetIndexes().Select(i =>
                    $"{e.GetTableName()} index {i.GetDatabaseName()} ({string.Join(",", i.Properties.Select(p => p.Name))}) " +
                    $"unique={i.IsUnique}"))
                .Order())];
}
