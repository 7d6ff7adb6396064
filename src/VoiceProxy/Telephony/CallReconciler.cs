using Microsoft.EntityFrameworkCore;
using Twilio.Clients;
using Twilio.Exceptions;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;
using VoiceProxy.Audit;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Telephony;

/// <summary>Resolves calls whose create-call answer was lost (status <c>unknown</c>) or that a crash left between the committed
/// decision and Twilio's answer (<c>queued</c>): Twilio is asked for calls to that number from that caller ID since the request.
/// A match gets its SID and status; none after <see cref="GiveUpAfter"/> means Twilio never made it, so <c>failed</c>.</summary>
internal sealed class CallReconciler(
    IServiceScopeFactory scopes, ITwilioRestClient client, StoreWriter writer, Journal journal, Pseudonyms pseudonyms,
    TimeProvider time, ILogger<CallReconciler> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    /// <summary>A queued call younger than this may still be waiting on Twilio's answer in its own request.</summary>
    public static readonly TimeSpan InFlight = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(15);

    /// <summary>A call still queued from before this process started cannot be in flight here: a crash stranded it.</summary>
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await ReconcileOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning("Reconciliation pass failed; will retry: {Error}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass over the calls to resolve; returns how many were resolved.</summary>
    public async Task<int> ReconcileOnceAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VoiceProxyDb>();
        var now = time.GetUtcNow();
        var settled = now - InFlight;
        var pending = await db.Calls.AsNoTracking()
            .Where(c => c.Allowed && c.TwilioCallSid == null && (c.Status == CallStatus.Unknown || c.Status == CallStatus.Queued)
                && (c.RequestedAt < settled || c.RequestedAt < _startedAt))
            .OrderBy(c => c.RequestedAt).Take(100).ToListAsync(ct);
        if (pending.Count == 0) return 0;

        var resolved = 0;
        var assigned = new HashSet<string>();
        foreach (var call in pending)
        {
            string status;
            string? sid = null;
            try
            {
                var found = await FindAtTwilioAsync(db, client, call, assigned, ct);
                if (found is not null) assigned.Add(found.Sid);
                status = found is not null ? Normalize(found.Status?.ToString())
                    : now - call.RequestedAt > GiveUpAfter ? CallStatus.Failed : call.Status;
                sid = found?.Sid;
            }
            catch (Exception e) when (e is ApiException or ApiConnectionException)
            {
                log.LogWarning("Could not ask Twilio about call {CallId}: {Error}", call.Id, e.Message);
                continue;
            }
            if (status == call.Status && sid is null) continue;
            // Only if nothing else resolved it meanwhile: another pass, another instance, or a status callback with the SID.
            var detail = new { status, callSid = sid, reason = sid is null ? "Twilio has no such call" : "found at Twilio" };
            var updated = await writer.WriteAsync(async w =>
            {
                var rows = await w.Calls
                    .Where(c => c.Id == call.Id && c.TwilioCallSid == null && c.Status == call.Status)
                    .ExecuteUpdateAsync(u => u
                        .SetProperty(c => c.Status, status)
                        .SetProperty(c => c.TwilioCallSid, sid)
                        .SetProperty(c => c.UpdatedAt, now));
                if (rows == 0) return rows;
                journal.Call(w, call, "call.reconciled", "voiceproxy", detail);
                var person = pseudonyms.PersonOf(call.To);
                if (sid is not null)
                    journal.Publish(w, call.Seller, AppEventTypes.CallPlaced, person, CallEventData.Of(call, status, sid, now));
                if (CallStatus.IsTerminal(status))
                    journal.Publish(w, call.Seller, AppEventTypes.CallFinished, person, new
                    {
                        callId = call.Id, phone = call.To, status, answeredBy = call.AnsweredBy,
                        durationSeconds = call.DurationSeconds, twilioCallSid = sid, finishedAt = now,
                    });
                return rows;
            });
            if (updated > 0) resolved++;
        }
        return resolved;
    }

    private static async Task<CallResource?> FindAtTwilioAsync(
        VoiceProxyDb db, ITwilioRestClient client, CallRecord call, HashSet<string> assigned, CancellationToken ct)
    {
        var calls = await CallResource.ReadAsync(new ReadCallOptions
        {
            To = new PhoneNumber(call.To), From = new PhoneNumber(call.From),
            StartTimeAfter = call.RequestedAt.UtcDateTime.AddMinutes(-1), PageSize = 20, Limit = 20,
        }, client);
        var known = await db.Calls
            .Where(c => c.To == call.To && c.TwilioCallSid != null)
            .Select(c => c.TwilioCallSid!)
            .ToListAsync(ct);
        return calls
            .Where(c => c.DateCreated is null || c.DateCreated >= call.RequestedAt.UtcDateTime.AddMinutes(-1))
            .Where(c => !known.Contains(c.Sid) && !assigned.Contains(c.Sid))
            .OrderBy(c => c.DateCreated)
            .FirstOrDefault();
    }

    /// <summary>Twilio's call status, in the record's vocabulary (queued counts as initiated: Twilio has it).</summary>
    private static string Normalize(string? status) => status switch
    {
        null or CallStatus.Queued => CallStatus.Initiated,
        _ => status,
    };
}
