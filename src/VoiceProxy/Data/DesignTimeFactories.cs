using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace VoiceProxy.Data;

// `dotnet ef` builds each context from these, never from the app's settings, so generating a migration needs no database:
//   dotnet ef migrations add <Name> --project src/VoiceProxy --context VoiceProxyDb
//   dotnet ef migrations add <Name> --project src/VoiceProxy --context PostgresVoiceProxyDb --output-dir Data/Migrations/Postgres

internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<VoiceProxyDb>
{
    public VoiceProxyDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<VoiceProxyDb>().UseSqlite("Data Source=voiceproxy.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresVoiceProxyDb>
{
    public PostgresVoiceProxyDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<VoiceProxyDb>().UseNpgsql("Host=localhost;Database=voiceproxy").Options);
}
