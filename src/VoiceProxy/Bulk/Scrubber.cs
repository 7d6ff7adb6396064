using System.IO.Pipelines;
using Microsoft.Extensions.Options;
using VoiceProxy.Audit;
using VoiceProxy.Compliance;
using VoiceProxy.Consent;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Bulk;

/// <summary>What a scrub asks: for which seller, at which instant, with which defaults.</summary>
public sealed record ScrubRequest(
    string Seller, string Actor, Purpose? Purpose, DateTimeOffset At, string? Template, bool MarketingTemplate,
    bool Lookup = false);

/// <summary>One answer line: a decision, or the row's problem.</summary>
public sealed record ScrubResult(
    int Row, string? Ref, string? Phone, bool Allowed, IReadOnlyList<string> Reasons, DateTimeOffset? NextAllowedAt,
    string? Error = null, string? Jurisdiction = null);

/// <summary>What a scrub came to, as its audit event records it.</summary>
public sealed record ScrubSummary(
    int Rows, int Allowed, int Blocked, int Errors, IReadOnlyDictionary<string, int> Reasons, string Sha256, bool Cut,
    bool Complete);

/// <summary>
/// Bulk scrub: the decision <c>POST /v1/compliance/check</c> takes for each row (the same validation, fact gatherer and
/// gate), for many rows at once. Facts are gathered per batch with a few queries (<see cref="FactGatherer.GatherManyAsync"/>);
/// rows with equal facts share one decision, since the gate is a pure function of the request, the facts and the instant.
/// Nothing is placed or recorded per row; one audit event records the scrub.
/// </summary>
internal sealed class Scrubber(
    FactGatherer gatherer, Gate gate, NpaTable npa, StoreWriter writer, Journal journal, IOptions<VoiceProxyOptions> options)
{
    /// <summary>Rows decided together: their facts take three queries.</summary>
    public const int BatchRows = 2000;
    private const int MaxRef = 200;
    /// <summary>Distinct facts remembered with their decision; the memory kept does not grow with the rows.</summary>
    private const int MaxMemo = 50_000;

    private readonly Dictionary<MemoKey, Decision> _memo = [];
    private readonly SortedDictionary<string, int> _reasons = new(StringComparer.Ordinal);
    private int _allowed, _blocked, _errors;

    /// <summary>Decides one batch of rows, in their order.</summary>
    public async Task<ScrubResult[]> DecideAsync(ScrubRequest scrub, IReadOnlyList<ScrubLine> lines, CancellationToken ct)
    {
        var seller = options.Value.FindSeller(scrub.Seller)!;
        var results = new ScrubResult[lines.Count];
        var valid = new List<(int Index, FactsRequest Request)>(lines.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if ((line.Error ?? Validate(scrub, line)) is { } error)
            {
                results[i] = new ScrubResult(line.Row, line.Ref, line.Phone, false, [], null, error);
                continue;
            }
            var purpose = Purposes.Parse(line.Purpose) ?? scrub.Purpose!.Value;
            var customer = line.State is null && line.TimeZone is null ? null : new CustomerLocation(line.State, line.TimeZone);
            valid.Add((i, new FactsRequest(new CallIntent(scrub.Seller, line.Phone!, purpose, seller.CallerIds[0]), customer,
                scrub.At)));
        }
        var facts = await gatherer.GatherManyAsync(valid.Select(v => v.Request).ToList(), scrub.Lookup, ct);
        for (var v = 0; v < valid.Count; v++)
        {
            var (i, request) = valid[v];
            var decision = Decide(request.Intent, facts[v], scrub.At);
            results[i] = new ScrubResult(lines[i].Row, lines[i].Ref, lines[i].Phone, decision.Allowed,
                decision.Reasons.Select(r => r.Code).Distinct().ToList(), decision.NextAllowedAt,
                Jurisdiction: decision.Jurisdiction);
        }
        foreach (var r in results) Count(r);
        return results;
    }

    /// <summary>The row's problem, as <c>POST /v1/compliance/check</c> would name it, or null.</summary>
    private string? Validate(ScrubRequest scrub, ScrubLine line)
    {
        if (Phone.ValidateNumber(line.Phone) is { } phone) return $"phone {phone}";
        if (line.Purpose is not null && Purposes.Parse(line.Purpose) is null)
            return "purpose must be 'transactional' or 'marketing'.";
        var purpose = Purposes.Parse(line.Purpose) ?? scrub.Purpose;
        if (purpose is null) return "purpose is required: give a purpose column or ?purpose=.";
        if (scrub.MarketingTemplate && purpose == Purpose.Transactional)
            return "purpose: this template makes an offer, so the call is a marketing call.";
        if (line.State is not null && !npa.States.Contains(line.State)) return "state must be a two-letter US state code.";
        if (line.TimeZone is not null && !Compliance.TimeZones.IsValid(line.TimeZone))
            return "timeZone must be an IANA time zone such as America/Chicago.";
        if (line.Ref is { } reference && (reference.Length > MaxRef || reference.Any(char.IsControl)))
            return $"ref must be at most {MaxRef} characters without control characters.";
        return null;
    }

    /// <summary>The gate's decision; rows with the same facts (and no recent calls, which are per number) share it.</summary>
    private Decision Decide(CallIntent intent, CallFacts facts, DateTimeOffset at)
    {
        // Recent calls and Lookup's answers belong to one number: such a row is decided on its own.
        if (facts.RecentCalls.Count > 0 || facts.Lookup is { LineType: not null } or { Reassigned: not null })
            return gate.Decide(intent, facts, at);
        var key = new MemoKey(intent.Purpose, facts.Location is null ? Phone.Npa(intent.To) : facts.Location,
            facts.Transactional, facts.Marketing, facts.InternalDncSince, string.Join('|', facts.Registries));
        if (_memo.TryGetValue(key, out var known)) return known;
        if (_memo.Count >= MaxMemo) _memo.Clear();
        return _memo[key] = gate.Decide(intent, facts, at);
    }

    /// <summary>Everything a decision reads besides the instant, the seller and its caller ID (one per scrub): the location
    /// (one object per place, from the gatherer; the area code when unknown, as the refusal names it), consent, the internal
    /// list and the registry facts.</summary>
    private readonly record struct MemoKey(
        Purpose Purpose, object Where, ConsentStatus Transactional, ConsentStatus Marketing, DateTimeOffset? Internal,
        string Registries);

    private void Count(ScrubResult r)
    {
        if (r.Error is not null) _errors++;
        else if (r.Allowed) _allowed++;
        else
        {
            _blocked++;
            foreach (var code in r.Reasons) _reasons[code] = _reasons.GetValueOrDefault(code) + 1;
        }
    }

    /// <summary>Answers every row of <paramref name="reader"/> from <paramref name="first"/> on, batch by batch, each flushed
    /// as soon as it is decided; ends with a line saying so when more rows came than <paramref name="limit"/>; then records
    /// the scrub (also when the client went away or a read failed: the event says how far it got).</summary>
    public async Task<ScrubSummary> StreamAsync(ScrubRequest scrub, ScrubReader reader, List<ScrubLine> first,
        ScrubOutput output, PipeWriter body, int limit, CancellationToken ct)
    {
        try
        {
            output.WriteHeader(body);
            for (var batch = first; batch.Count > 0; batch = await reader.ReadBatchAsync(BatchRows, ct))
            {
                output.Write(body, await DecideAsync(scrub, batch, ct));
                await body.FlushAsync(ct);
            }
            if (reader.TooMany) output.WriteCut(body, reader.Rows + 1, limit);
            await body.FlushAsync(ct);
        }
        catch
        {
            await AuditAsync(scrub, reader, complete: false);
            throw;
        }
        return await AuditAsync(scrub, reader, complete: !reader.TooMany);
    }

    /// <summary>Records the scrub in the audit trail (one event: who, how many rows, the input's digest, counts per reason)
    /// and returns what it records.</summary>
    private async Task<ScrubSummary> AuditAsync(ScrubRequest scrub, ScrubReader reader, bool complete)
    {
        var summary = new ScrubSummary(
            reader.Rows, _allowed, _blocked, _errors, _reasons, reader.Sha256(), reader.TooMany, complete);
        await writer.WriteAsync(w => journal.Audit(w, "compliance.scrubbed", scrub.Actor, scrub.Seller, null, new
        {
            summary.Rows, summary.Allowed, summary.Blocked, summary.Errors, summary.Reasons, summary.Sha256,
            summary.Cut, summary.Complete,
            Purpose = scrub.Purpose is { } p ? Purposes.Name(p) : null, scrub.At, scrub.Template,
        }));
        return summary;
    }
}
