using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace VoiceProxy.Data;

/// <summary>The store. This type is the SQLite model and owns Migrations/; <see cref="PostgresVoiceProxyDb"/> derives
/// from it only so PostgreSQL gets its own migrations (Migrations/Postgres). Code asks for VoiceProxyDb either way.</summary>
public class VoiceProxyDb : DbContext
{
    public VoiceProxyDb(DbContextOptions<VoiceProxyDb> options) : base(options) { }

    /// <summary>For the derived provider context: EF accepts options built for a base context type.</summary>
    protected VoiceProxyDb(DbContextOptions options) : base(options) { }

    public DbSet<CallRecord> Calls => Set<CallRecord>();
    public DbSet<CallEvent> CallEvents => Set<CallEvent>();
    public DbSet<ConsentEntry> Consents => Set<ConsentEntry>();
    public DbSet<DncEntry> DncEntries => Set<DncEntry>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<AuditSeal> AuditSeals => Set<AuditSeal>();
    public DbSet<PersonalData> PersonalData => Set<PersonalData>();
    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();
    public DbSet<SessionRecord> SupervisorSessions => Set<SessionRecord>();
    public DbSet<RestrictedDate> RestrictedDates => Set<RestrictedDate>();
    public DbSet<StoredRuleBook> RuleBooks => Set<StoredRuleBook>();
    public DbSet<EventDelivery> EventDeliveries => Set<EventDelivery>();
    public DbSet<DisabledSubscription> DisabledSubscriptions => Set<DisabledSubscription>();
    public DbSet<LookupAnswer> LookupAnswers => Set<LookupAnswer>();
    public DbSet<LookupCacheHits> LookupCacheHits => Set<LookupCacheHits>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot compare or order DateTimeOffset; every instant is stored as UTC ticks instead.
        if (Database.IsSqlite())
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
        configurationBuilder.Properties<string>().HaveMaxLength(4000);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<CallRecord>(e =>
        {
            e.ToTable("calls");
            e.HasKey(c => c.Id);
            e.Property(c => c.Id).HasMaxLength(40);
            e.Property(c => c.VariablesJson).HasMaxLength(65536);
            e.Property(c => c.DecisionJson).HasMaxLength(65536);
            e.Property(c => c.FactsJson).HasMaxLength(8192);
            e.Property(c => c.ReasonCodes).HasMaxLength(1000);
            e.Property(c => c.RulesVersion).HasMaxLength(100);
            e.Property(c => c.Jurisdiction).HasMaxLength(2);
            e.HasIndex(c => new { c.Seller, c.To, c.RequestedAt });
            e.HasIndex(c => c.RequestedAt);
            e.HasIndex(c => new { c.Seller, c.IdempotencyKey }).IsUnique();
            e.HasIndex(c => c.TwilioCallSid);
            e.HasMany(c => c.Events).WithOne().HasForeignKey(ev => ev.CallId);
        });
        modelBuilder.Entity<CallEvent>(e =>
        {
            e.ToTable("call_events");
            e.Property(c => c.DetailJson).HasMaxLength(65536);
            e.HasIndex(c => new { c.CallId, c.DedupKey }).IsUnique();
        });
        modelBuilder.Entity<ConsentEntry>(e =>
        {
            e.ToTable("consent_entries");
            e.Property(c => c.Action).HasConversion<string>().HasMaxLength(10);
            e.Property(c => c.EvidenceJson).HasMaxLength(65536);
            e.HasIndex(c => new { c.Seller, c.Phone });
            // The retention sweep finds the oldest.
            e.HasIndex(c => c.RecordedAt);
        });
        modelBuilder.Entity<DncEntry>(e =>
        {
            e.ToTable("dnc_entries");
            e.Property(c => c.Action).HasConversion<string>().HasMaxLength(10);
            e.HasIndex(c => new { c.Seller, c.Phone });
            e.HasIndex(c => c.At);
        });
        modelBuilder.Entity<AuditEvent>(e =>
        {
            e.ToTable("audit_events");
            e.Property(c => c.PayloadJson).HasMaxLength(65536);
            e.HasIndex(c => c.At);
            e.HasIndex(c => c.Position).IsUnique();
            // The sealer's queue: only the few events not yet sealed are in this index.
            e.HasIndex(c => c.Id).HasFilter("\"Position\" IS NULL").HasDatabaseName("IX_audit_events_unsealed");
        });
        modelBuilder.Entity<AuditSeal>(e =>
        {
            e.ToTable("audit_seals");
            e.HasIndex(c => c.LastPosition).IsUnique();
            e.Property(c => c.KeyId).HasMaxLength(32);
        });
        modelBuilder.Entity<PersonalData>(e =>
        {
            e.ToTable("personal_data");
            e.Property(c => c.Id).HasMaxLength(36);
            e.Property(c => c.Person).HasMaxLength(64);
            e.Property(c => c.Salt).HasMaxLength(32);
            e.Property(c => c.Json).HasMaxLength(65536);
            // An erasure finds a person's rows; the retention sweep finds the oldest.
            e.HasIndex(c => c.Person);
            e.HasIndex(c => c.At);
        });
        modelBuilder.Entity<WebhookDelivery>(e =>
        {
            e.ToTable("webhook_deliveries");
            e.HasKey(d => d.Key);
            e.Property(d => d.Key).HasMaxLength(64);
            e.Property(d => d.Hook).HasMaxLength(40);
        });
        modelBuilder.Entity<SessionRecord>(e =>
        {
            e.ToTable("supervisor_sessions");
            e.HasKey(s => s.IdHash);
            e.Property(s => s.IdHash).HasMaxLength(64);
            e.Property(s => s.KeyDigest).HasMaxLength(64);
            e.Property(s => s.KeyName).HasMaxLength(200);
            e.HasIndex(s => s.ExpiresAt);
        });
        modelBuilder.Entity<RestrictedDate>(e =>
        {
            e.ToTable("restricted_dates");
            e.Property(r => r.Id).HasMaxLength(40);
            e.Property(r => r.State).HasMaxLength(2);
            e.Property(r => r.AppliesTo).HasMaxLength(10);
            e.Property(r => r.Citation).HasMaxLength(1000);
            e.Property(r => r.CreatedBy).HasMaxLength(200);
            e.Property(r => r.EndedBy).HasMaxLength(200);
            e.Property(r => r.EndReason).HasMaxLength(1000);
            // Every decision asks for the dates of its candidate states around its instant.
            e.HasIndex(r => new { r.State, r.To });
        });
        modelBuilder.Entity<StoredRuleBook>(e =>
        {
            e.ToTable("rule_books");
            e.HasKey(r => r.Version);
            e.Property(r => r.Version).HasMaxLength(100);
            e.Property(r => r.Label).HasMaxLength(80);
            e.Property(r => r.Sha256).HasMaxLength(64);
            e.Property(r => r.Content).HasMaxLength(4_000_000);
            e.HasIndex(r => r.Label);
        });
        modelBuilder.Entity<EventDelivery>(e =>
        {
            e.ToTable("event_deliveries");
            e.Property(d => d.EventId).HasMaxLength(40);
            e.Property(d => d.Subscription).HasMaxLength(40);
            e.Property(d => d.Type).HasMaxLength(40);
            e.Property(d => d.Status).HasMaxLength(10);
            e.Property(d => d.Person).HasMaxLength(64);
            e.Property(d => d.Body).HasMaxLength(65536);
            e.Property(d => d.AttemptsJson).HasMaxLength(65536);
            e.HasIndex(d => new { d.EventId, d.Subscription }).IsUnique();
            // The dispatcher's queue: only pending deliveries are in this index.
            e.HasIndex(d => new { d.Subscription, d.NextAttemptAt }).HasFilter("\"Status\" = 'pending'")
                .HasDatabaseName("IX_event_deliveries_pending");
            e.HasIndex(d => d.CreatedAt);
            e.HasIndex(d => d.Person);
        });
        modelBuilder.Entity<DisabledSubscription>(e =>
        {
            e.ToTable("disabled_subscriptions");
            e.HasKey(d => d.Subscription);
            e.Property(d => d.Subscription).HasMaxLength(40);
            e.Property(d => d.Reason).HasMaxLength(1000);
        });
        modelBuilder.Entity<LookupAnswer>(e =>
        {
            e.ToTable("lookup_answers");
            e.Property(a => a.Person).HasMaxLength(64);
            e.Property(a => a.Seller).HasMaxLength(200);
            e.Property(a => a.Field).HasMaxLength(40);
            e.Property(a => a.Answer).HasMaxLength(40);
            e.Property(a => a.Detail).HasMaxLength(1000);
            // The gate reads a number's fresh answers; the figures count a range.
            e.HasIndex(a => new { a.Person, a.AskedAt });
            e.HasIndex(a => a.AskedAt);
        });
        modelBuilder.Entity<LookupCacheHits>(e =>
        {
            e.ToTable("lookup_cache_hits");
            e.Property(h => h.Seller).HasMaxLength(200);
            e.HasIndex(h => h.Hour);
        });
    }

    internal sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
}
