using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceProxy.Audit;
using VoiceProxy.Consent;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Lookup;

/// <summary>A field's answer as the gate uses it: when it was asked, and whether it came from the cache.</summary>
public sealed record LookupAnswered(FieldAnswer Answer, DateTimeOffset AskedAt, bool Cached);

/// <summary>Answers from the shared cache (the <c>lookup_answers</c> rows younger than <c>CacheHours</c>) or, on a miss, from
/// one Lookup request for every field missing, recorded with its audit event in one unit of the group commit.</summary>
internal sealed class LookupService(
    LookupClient client, StoreWriter writer, Journal journal, Pseudonyms pseudonyms, LookupHitCounter hits,
    IOptions<LookupOptions> options, TimeProvider time)
{
    /// <summary>The number's answers still fresh. Compiled once: read on every call and dry run.</summary>
    private static readonly PerModel<Func<VoiceProxyDb, string, DateTimeOffset, IAsyncEnumerable<LookupAnswer>>> Fresh =
        new(() => EF.CompileAsyncQuery((VoiceProxyDb db, string person, DateTimeOffset since) =>
            db.LookupAnswers.AsNoTracking()
                .Where(a => a.Person == person && a.AskedAt > since && a.Answer != null)));

    /// <summary>Reads the number's fresh answers on <paramref name="db"/>'s open connection (with the other facts).</summary>
    public Task<List<LookupAnswer>> CachedAsync(VoiceProxyDb db, string phone, CancellationToken ct) =>
        Fresh.For(db)(db, pseudonyms.Of(phone), time.GetUtcNow().AddHours(-options.Value.CacheHours)).ToListAsync(ct).AsTask();

    /// <summary>The line type, and reassignment since <paramref name="lastVerified"/> when given: from
    /// <paramref name="cached"/> (what <see cref="CachedAsync"/> read), else asked of Lookup.</summary>
    public async Task<(LookupAnswered LineType, LookupAnswered? Reassigned)> AnswerAsync(
        string seller, string phone, DateOnly? lastVerified, IReadOnlyList<LookupAnswer> cached)
    {
        var lineType = cached.Where(a => a.Field == LookupFields.LineType).MaxBy(a => a.AskedAt);
        var reassigned = lastVerified is null ? null
            : cached.Where(a => a.Field == LookupFields.Reassigned && a.LastVerifiedDate == lastVerified).MaxBy(a => a.AskedAt);
        var missing = lineType is null || (lastVerified is not null && reassigned is null);
        hits.Count(seller, (lineType is null ? 0 : 1) + (reassigned is null ? 0 : 1));
        if (!missing) return (Hit(lineType!), reassigned is null ? null : Hit(reassigned));

        var reply = await client.AskAsync(phone, lineType is null, reassigned is null ? lastVerified : null);
        await RecordAsync(seller, phone, reply);
        LookupAnswered Asked(string field) => new(reply.Answers.Single(a => a.Field == field), reply.SentAt, false);
        return (lineType is null ? Asked(LookupFields.LineType) : Hit(lineType),
            lastVerified is null ? null : reassigned is null ? Asked(LookupFields.Reassigned) : Hit(reassigned));
    }

    private static LookupAnswered Hit(LookupAnswer a) =>
        new(new FieldAnswer(a.Field, a.LastVerifiedDate, a.Answer, a.Detail), a.AskedAt, true);

    /// <summary>The request and its answer as an audit event (the number kept as personal data), a cache row per field, and,
    /// for a number reassigned since the consent's date, a revocation: that consent was the previous subscriber's.</summary>
    private Task RecordAsync(string seller, string phone, LookupReply reply) => writer.WriteAsync(w =>
    {
        var person = pseudonyms.Of(phone);
        foreach (var a in reply.Answers)
            w.LookupAnswers.Add(new LookupAnswer
            {
                Person = person, Seller = seller, Field = a.Field, LastVerifiedDate = a.LastVerifiedDate, Answer = a.Answer,
                Detail = a.Detail is { Length: > 1000 } d ? d[..1000] : a.Detail, AskedAt = reply.SentAt,
            });
        var answered = reply.Answers.All(a => a.Answer is not null);
        journal.Audit(w, answered ? "lookup.answered" : "lookup.failed", "voiceproxy", seller, person, new
        {
            person, reply.Fields, reply.LastVerifiedDate, reply.SentAt, reply.AnsweredAt, reply.HttpStatus, reply.Answers,
            personal = journal.Personal(w, person, new { phone }),
        });
        if (reply.Answers.Any(a => a is { Field: LookupFields.Reassigned, Answer: "yes" }))
        {
            var note = $"Twilio Lookup: number reassigned after {reply.LastVerifiedDate}; the consent was the previous " +
                "subscriber's (47 CFR 64.1200(m))";
            w.Consents.Add(
                ConsentLedger.NewRevocation(seller, phone, scope: null, "lookup", note, "voiceproxy", reply.AnsweredAt));
            journal.Audit(w, "consent.revoked", "voiceproxy", seller, person, new
            {
                Scope = (string?)null, Channel = "lookup", person, personal = journal.Personal(w, person, new { phone, note }),
            });
        }
        return Task.CompletedTask;
    });
}

/// <summary>Counts cache hits in memory per seller and hour, and adds them to <c>lookup_cache_hits</c> every few seconds and
/// when the service stops, so a hit costs no write of its own.</summary>
internal sealed class LookupHitCounter(StoreWriter writer, TimeProvider time, ILogger<LookupHitCounter> log) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private readonly Lock _lock = new();
    private Dictionary<(string Seller, DateTimeOffset Hour), int> _counts = [];

    public void Count(string seller, int hits)
    {
        if (hits == 0) return;
        var now = time.GetUtcNow();
        var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        lock (_lock) _counts[(seller, hour)] = _counts.GetValueOrDefault((seller, hour)) + hits;
    }

    /// <summary>Writes the hits counted so far.</summary>
    public async Task FlushAsync()
    {
        Dictionary<(string Seller, DateTimeOffset Hour), int> counts;
        lock (_lock) (counts, _counts) = (_counts, []);
        if (counts.Count == 0) return;
        await writer.WriteAsync(w =>
        {
            foreach (var ((seller, hour), hits) in counts)
                w.LookupCacheHits.Add(new LookupCacheHits { Seller = seller, Hour = hour, Hits = hits });
            return Task.CompletedTask;
        });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, TimeProvider.System, stoppingToken);
                await FlushAsync();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
            catch (Exception e) when (e is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
            {
                log.LogWarning(e, "Lookup cache hits could not be written; those counted since the last write are lost.");
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try { await FlushAsync(); }
        catch (ObjectDisposedException) { }
    }
}
