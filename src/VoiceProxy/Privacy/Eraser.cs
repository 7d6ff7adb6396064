using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceProxy.Audit;
using VoiceProxy.Consent;
using VoiceProxy.Data;
using VoiceProxy.DoNotCall;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Privacy;

/// <summary>What an erasure removed, and where the number stays blocked.</summary>
public sealed record ErasureResult(
    string Person, int PersonalData, int Calls, int ConsentEntries, int DncEntries, IReadOnlyList<string> SuppressedFor,
    long RetainedInSealedEvents);

/// <summary>What a retention sweep removed: everything written before <see cref="Before"/>.</summary>
public sealed record ExpiryResult(DateTimeOffset Before, int PersonalData, int Calls, int ConsentEntries, int DncEntries)
{
    public int Total => PersonalData + Calls + ConsentEntries + DncEntries;
}

/// <summary>
/// Erases personal data: a person's on request, everyone's once it is older than the retention period. Chained audit events
/// hold none (only a keyed pseudonym and a reference), so nothing sealed changes and the chain stays valid. What goes:
/// the <see cref="PersonalData"/> rows the events refer to (deleted); in call records the number (replaced by its erased
/// marker), the variables and the customer's location; in consent entries the number, evidence, source and note; in
/// do-not-call entries the number and reason. The consent and do-not-call ledgers find erased entries by the marker, so a
/// revocation or a listing keeps blocking calls to the number.
/// </summary>
internal sealed class Eraser(
    StoreWriter writer, Journal journal, Pseudonyms pseudonyms, IOptions<VoiceProxyOptions> options,
    IOptions<PrivacyOptions> privacy, TimeProvider time, IServiceScopeFactory scopes)
{
    /// <summary>Numbers (or personal rows) handled in one unit of the group commit, so a sweep never holds the writer
    /// long.</summary>
    public const int BatchSize = 500;

    private const string ErasedJson = "\"" + PersonalRecords.Erased + "\"";

    /// <summary>Erases everything kept about <paramref name="phone"/>, and puts the number on every seller's internal list
    /// with every consent revoked: asking to be forgotten is asking not to be called.</summary>
    public async Task<ErasureResult> EraseAsync(string phone, string reason, string actor, CancellationToken ct)
    {
        var person = pseudonyms.Of(phone);
        var erased = pseudonyms.ErasedOf(phone);
        var sellers = options.Value.Sellers.Select(s => s.Id).ToList();
        var counts = await writer.WriteAsync(async w =>
        {
            var now = time.GetUtcNow();
            var personal = await w.PersonalData.Where(p => p.Person == person).ExecuteDeleteAsync();
            var calls = await EraseCallsAsync(w, phone, erased, DateTimeOffset.MaxValue);
            var consents = await EraseConsentsAsync(w, phone, erased, DateTimeOffset.MaxValue);
            var dnc = await EraseDncAsync(w, phone, erased, DateTimeOffset.MaxValue);
            await EraseEventsAsync(w.EventDeliveries.Where(d => d.Person == person));
            foreach (var seller in sellers)
            {
                w.Consents.Add(ConsentLedger.NewRevocation(seller, erased, scope: null, "erasure", null, actor, now));
                w.DncEntries.Add(InternalDnc.NewAddition(seller, erased, "erasure request", actor, now));
            }
            journal.Audit(w, "privacy.erased", actor, null, person, new
            {
                person, personalData = personal, calls, consentEntries = consents, dncEntries = dnc, suppressedFor = sellers,
                personal = journal.Personal(w, person, new { reason }),
            });
            return (personal, calls, consents, dnc);
        });
        // Events written before personal data was kept apart hold the number in the clear, sealed: they cannot change.
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VoiceProxyDb>();
        var retained = await db.AuditEvents.LongCountAsync(e => e.Subject == phone || e.PayloadJson.Contains(phone), ct);
        return new ErasureResult(person, counts.personal, counts.calls, counts.consents, counts.dnc, sellers, retained);
    }

    /// <summary>One retention sweep: erases the personal data written before now minus the retention period, a batch per unit
    /// of the group commit, and records what it did in the audit trail.</summary>
    public async Task<ExpiryResult> ExpireAsync(CancellationToken ct)
    {
        var before = time.GetUtcNow() - TimeSpan.FromDays(privacy.Value.RetentionDays);
        var total = new ExpiryResult(before, 0, 0, 0, 0);
        while (!ct.IsCancellationRequested)
        {
            var batch = await ExpireBatchAsync(before, ct);
            if (batch.Total == 0) break;
            total = new ExpiryResult(before, total.PersonalData + batch.PersonalData, total.Calls + batch.Calls,
                total.ConsentEntries + batch.ConsentEntries, total.DncEntries + batch.DncEntries);
        }
        if (total.Total > 0)
            await writer.WriteAsync(w => journal.Audit(w, "privacy.expired", "voiceproxy", null, null, new
            {
                before, total.PersonalData, total.Calls, total.ConsentEntries, total.DncEntries,
                privacy.Value.RetentionDays,
            }));
        return total;
    }

    private async Task<ExpiryResult> ExpireBatchAsync(DateTimeOffset before, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VoiceProxyDb>();
        var rows = await db.PersonalData.Where(p => p.At < before).OrderBy(p => p.At).Select(p => p.Id)
            .Take(BatchSize).ToListAsync(ct);
        // The numbers whose old records still hold them; the records are erased number by number, as the marker is keyed.
        var numbers = (await db.Calls.Where(c => c.RequestedAt < before && !c.To.StartsWith(Pseudonyms.ErasedPrefix))
                .Select(c => c.To).Distinct().OrderBy(t => t).Take(BatchSize).ToListAsync(ct))
            .Concat(await db.Consents.Where(c => c.RecordedAt < before && !c.Phone.StartsWith(Pseudonyms.ErasedPrefix))
                .Select(c => c.Phone).Distinct().OrderBy(p => p).Take(BatchSize).ToListAsync(ct))
            .Concat(await db.DncEntries.Where(d => d.At < before && !d.Phone.StartsWith(Pseudonyms.ErasedPrefix))
                .Select(d => d.Phone).Distinct().OrderBy(p => p).Take(BatchSize).ToListAsync(ct))
            .Distinct().ToList();
        if (rows.Count == 0 && numbers.Count == 0) return new ExpiryResult(before, 0, 0, 0, 0);
        return await writer.WriteAsync(async w =>
        {
            var personal = rows.Count == 0 ? 0 : await w.PersonalData.Where(p => rows.Contains(p.Id)).ExecuteDeleteAsync();
            await EraseEventsAsync(w.EventDeliveries.Where(d => d.CreatedAt < before));
            var (calls, consents, dnc) = (0, 0, 0);
            foreach (var number in numbers)
            {
                var erased = pseudonyms.ErasedOf(number);
                calls += await EraseCallsAsync(w, number, erased, before);
                consents += await EraseConsentsAsync(w, number, erased, before);
                dnc += await EraseDncAsync(w, number, erased, before);
            }
            return new ExpiryResult(before, personal, calls, consents, dnc);
        });
    }

    // The tables below are append-only to the change tracker; these conditional statements are the only edits they allow.
    private static Task<int> EraseCallsAsync(VoiceProxyDb w, string phone, string erased, DateTimeOffset before) =>
        w.Calls.Where(c => c.To == phone && c.RequestedAt < before).ExecuteUpdateAsync(u => u
            .SetProperty(c => c.To, erased)
            .SetProperty(c => c.VariablesJson, "{}")
            .SetProperty(c => c.CustomerState, (string?)null)
            .SetProperty(c => c.CustomerTimeZone, (string?)null)
            .SetProperty(c => c.FactsJson, (string?)null));

    private static Task<int> EraseConsentsAsync(VoiceProxyDb w, string phone, string erased, DateTimeOffset before) =>
        w.Consents.Where(c => c.Phone == phone && c.RecordedAt < before).ExecuteUpdateAsync(u => u
            .SetProperty(c => c.Phone, erased)
            .SetProperty(c => c.EvidenceJson, c => c.EvidenceJson == null ? null : ErasedJson)
            .SetProperty(c => c.Source, c => c.Source == null ? null : PersonalRecords.Erased)
            .SetProperty(c => c.Note, c => c.Note == null ? null : PersonalRecords.Erased));

    /// <summary>Events for the sellers' apps name the number: their bodies go, and those not yet delivered never will
    /// be.</summary>
    private static Task<int> EraseEventsAsync(IQueryable<EventDelivery> deliveries) =>
        deliveries.Where(d => d.Body != null).ExecuteUpdateAsync(u => u
            .SetProperty(d => d.Body, (string?)null)
            .SetProperty(d => d.Status, d => d.Status == DeliveryStatus.Pending ? DeliveryStatus.Failed : d.Status)
            .SetProperty(d => d.LastError,
                d => d.Status == DeliveryStatus.Pending ? "not sent: personal data erased" : d.LastError));

    private static Task<int> EraseDncAsync(VoiceProxyDb w, string phone, string erased, DateTimeOffset before) =>
        w.DncEntries.Where(d => d.Phone == phone && d.At < before).ExecuteUpdateAsync(u => u
            .SetProperty(d => d.Phone, erased)
            .SetProperty(d => d.Reason, PersonalRecords.Erased));
}
