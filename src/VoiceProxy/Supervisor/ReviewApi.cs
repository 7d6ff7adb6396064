using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;
using VoiceProxy.Security;

namespace VoiceProxy.Supervisor;

/// <summary>One line of the call list.</summary>
public sealed record CallSummary(
    string Id, string Seller, string To, string From, string Purpose, string Template, string Language, string Status,
    bool Allowed, IReadOnlyList<string> Reasons, string? AnsweredBy, int? DurationSeconds, bool OptedOut, string? TwilioCallSid,
    DateTimeOffset RequestedAt, DateTimeOffset UpdatedAt, string? Jurisdiction = null);

public sealed record CallPage(IReadOnlyList<CallSummary> Items, string? NextCursor);

public sealed record AnsweredFigures(int Human, int Machine);

/// <summary>How long answered calls waited for the message's first word (47 CFR 64.1200(a)(7); 16 CFR 310.4(b)(4): at
/// most 2 s): calls measured (both the answer's time and the first word's are known), those over 2 s, and their share
/// (null when none was measured).</summary>
public sealed record FirstWordFigures(int Measured, int OverTwoSeconds, double? ShareOverTwoSeconds);

/// <summary>Counts for a range: requested, placed (Twilio accepted), blocked and by which reason, opted out, answered, and
/// the wait for the first word.</summary>
public sealed record CallFigures(
    int Requested, int Placed, int Blocked, IReadOnlyDictionary<string, int> BlockedByReason, int OptedOut,
    AnsweredFigures Answered, FirstWordFigures FirstWord, LookupFigures? Lookups = null);

/// <summary>Twilio Lookup in the range, for the seller if one is named (calls and dry runs alike): fields asked of Lookup
/// (each is billed), and answers served from the cache instead (counted by the hour).</summary>
public sealed record LookupFigures(int Made, int CacheHits);

internal static class ReviewApi
{
    public static RouteGroupBuilder MapReview(this IEndpointRouteBuilder routes)
    {
        // Literal segments outrank the "{id}" parameter of GET /v1/calls/{id}, so these never reach it.
        var group = routes.MapGroup("/v1/calls").WithTags("Review").RequireAuthorization(Policies.Supervisor);
        group.MapGet("/", List);
        group.MapGet("/export", Export).LimitLongReads();
        group.MapGet("/figures", Figures).LimitLongReads();
        return group;
    }

    private static async Task<Results<Ok<CallPage>, ValidationProblem>> List(
        [AsParameters] CallQuery query, VoiceProxyDb db, IOptions<VoiceProxyOptions> options, CancellationToken ct)
    {
        var (filter, limit, cursor, errors) = CallFilter.Parse(query, options.Value);
        if (filter is null) return Problems.Invalid(errors);
        var rows = await Rows(CallFilter.NewestFirst(filter.Apply(db.Calls.AsNoTracking()), cursor))
            .Take(limit + 1)
            .ToListAsync(ct);
        var items = rows.Take(limit).Select(r => r.ToSummary()).ToList();
        var next = rows.Count > limit ? new CallCursor(items[^1].RequestedAt, items[^1].Id).Encode() : null;
        return TypedResults.Ok(new CallPage(items, next));
    }

    /// <summary>Rows read per query while an export streams: each read is short, so a long export never holds SQLite's log
    /// from being checkpointed, and the writer never waits behind it.</summary>
    public const int ExportChunk = 1000;

    private static Results<PushStreamHttpResult, ValidationProblem> Export(
        [AsParameters] CallQuery query, VoiceProxyDb db, IOptions<VoiceProxyOptions> options, TimeProvider time, HttpContext http)
    {
        if (query.Limit is not null || query.Cursor is not null)
            return Problems.Invalid("limit", "The export has every matching call; it takes no limit or cursor.");
        var (filter, _, _, errors) = CallFilter.Parse(query, options.Value);
        if (filter is null) return Problems.Invalid(errors);
        if (filter.Bounded(options.Value, time) is not { } bounded)
            return Problems.Invalid(CallFilter.RangeTooLong(options.Value));
        var rows = InChunks(db, bounded, http.RequestAborted);
        var name = string.Create(CultureInfo.InvariantCulture, $"calls-{time.GetUtcNow():yyyyMMdd-HHmmss}.csv");
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Stream(body => CallCsv.WriteAsync(body, rows, http.RequestAborted), "text/csv; charset=utf-8", name);
    }

    private static async IAsyncEnumerable<CallRow> InChunks(
        VoiceProxyDb db, CallFilter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        CallCursor? after = null;
        while (true)
        {
            var chunk = await Rows(CallFilter.NewestFirst(filter.Apply(db.Calls.AsNoTracking()), after))
                .Take(ExportChunk).ToListAsync(ct);
            foreach (var row in chunk) yield return row;
            if (chunk.Count < ExportChunk) yield break;
            after = new CallCursor(chunk[^1].RequestedAt, chunk[^1].Id);
        }
    }

    private static async Task<Results<Ok<CallFigures>, ValidationProblem>> Figures(
        [AsParameters] CallQuery query, VoiceProxyDb db, IOptions<VoiceProxyOptions> options, TimeProvider time,
        CancellationToken ct)
    {
        var (filter, _, _, errors) = CallFilter.Parse(query with { Limit = null, Cursor = null }, options.Value);
        if (filter is null) return Problems.Invalid(errors);
        if (filter.Bounded(options.Value, time) is not { } bounded)
            return Problems.Invalid(CallFilter.RangeTooLong(options.Value));
        var calls = bounded.Apply(db.Calls.AsNoTracking());
        var counts = await calls.GroupBy(_ => 1).Select(g => new
        {
            Requested = g.Count(),
            Placed = g.Count(c => c.TwilioCallSid != null),
            Blocked = g.Count(c => !c.Allowed),
            OptedOut = g.Count(c => c.OptedOut),
            Human = g.Count(c => c.AnsweredBy == "human"),
            // Translated to SQL (LIKE 'machine%'), where no culture applies.
#pragma warning disable CA1310
            Machine = g.Count(c => c.AnsweredBy != null && c.AnsweredBy.StartsWith("machine")),
#pragma warning restore CA1310
            Measured = g.Count(c => c.FirstWordAtUnixMs != null && c.AnsweredAtUnixMs != null),
            OverTwoSeconds = g.Count(c => c.FirstWordAtUnixMs - c.AnsweredAtUnixMs > 2000),
        }).FirstOrDefaultAsync(ct);
        // Counted by the database per combination of codes (a handful of rows), never from the decisions themselves.
        var byReason = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var combinations = await calls.Where(c => !c.Allowed).GroupBy(c => c.ReasonCodes)
            .Select(g => new { Codes = g.Key, Count = g.Count() }).ToListAsync(ct);
        foreach (var combination in combinations)
            foreach (var code in Split(combination.Codes))
                byReason[code] = byReason.GetValueOrDefault(code) + combination.Count;
        var lookups = await LookupFiguresAsync(db, bounded, ct);
        return TypedResults.Ok(counts is null
            ? new CallFigures(0, 0, 0, byReason, 0, new AnsweredFigures(0, 0), new FirstWordFigures(0, 0, null), lookups)
            : new CallFigures(counts.Requested, counts.Placed, counts.Blocked, byReason, counts.OptedOut,
                new AnsweredFigures(counts.Human, counts.Machine),
                new FirstWordFigures(counts.Measured, counts.OverTwoSeconds,
                    counts.Measured == 0 ? null : Math.Round((double)counts.OverTwoSeconds / counts.Measured, 4)), lookups));
    }

    private static async Task<LookupFigures> LookupFiguresAsync(VoiceProxyDb db, CallFilter range, CancellationToken ct)
    {
        // The hits of the hour that holds 'from' count: they are kept by the hour.
        var (from, hourBefore) = (range.From!.Value, range.From.Value.AddHours(-1));
        var answers = db.LookupAnswers.AsNoTracking().Where(a => a.AskedAt >= from);
        var hits = db.LookupCacheHits.AsNoTracking().Where(h => h.Hour > hourBefore);
        if (range.To is { } to)
        {
            answers = answers.Where(a => a.AskedAt < to);
            hits = hits.Where(h => h.Hour < to);
        }
        if (range.Seller is { } seller)
        {
            answers = answers.Where(a => a.Seller == seller);
            hits = hits.Where(h => h.Seller == seller);
        }
        return new LookupFigures(await answers.CountAsync(ct), await hits.SumAsync(h => h.Hits, ct));
    }

    /// <summary>Only the columns a list line or an export row needs; never the decision (its codes have their own
    /// column).</summary>
    private static IQueryable<CallRow> Rows(IQueryable<CallRecord> calls) => calls.Select(c => new CallRow(
        c.Id, c.Seller, c.To, c.From, c.Purpose, c.Template, c.Language, c.Status, c.Allowed, c.ReasonCodes,
        c.AnsweredBy, c.DurationSeconds, c.OptedOut, c.TwilioCallSid, c.RequestedAt, c.UpdatedAt, c.Jurisdiction));

    internal static string[] Split(string? reasonCodes) =>
        reasonCodes?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
}

/// <summary>A call as the list and the export read it.</summary>
internal sealed record CallRow(
    string Id, string Seller, string To, string From, string Purpose, string Template, string Language, string Status,
    bool Allowed, string? ReasonCodes, string? AnsweredBy, int? DurationSeconds, bool OptedOut, string? TwilioCallSid,
    DateTimeOffset RequestedAt, DateTimeOffset UpdatedAt, string? Jurisdiction)
{
    public CallSummary ToSummary() => new(
        Id, Seller, To, From, Purpose, Template, Language, Status, Allowed, ReviewApi.Split(ReasonCodes),
        AnsweredBy, DurationSeconds, OptedOut, TwilioCallSid, RequestedAt, UpdatedAt, Jurisdiction);
}
