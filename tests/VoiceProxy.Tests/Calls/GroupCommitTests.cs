using System.Net;
using Microsoft.Extensions.DependencyInjection;
using VoiceProxy.Data;

namespace VoiceProxy.Tests.Calls;

/// <summary>A placed call's writes share a group commit with other requests' writes; when one of those fails, the batch is
/// run again one unit at a time, and the call's record is written once, whole.</summary>
public sealed class GroupCommitTests()
    // The sealer's pass at start-up only, so that only this test's writes reach the writer while it is held.
    : ApplicationTests(new Dictionary<string, string?> { ["VoiceProxy:Audit:SealIntervalMilliseconds"] = "3600000" })
{
    [Fact]
    public async Task PlaceCall_InABatchWithAFailingWrite_RecordedOnceWithItsEventsTheFailureAlone()
    {
        await Acme.GrantAsync(Phone, "transactional");
        var writer = App.Services.GetRequiredService<StoreWriter>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocking = writer.WriteAsync(async _ => await gate.Task);
        Task<(HttpStatusCode, System.Text.Json.Nodes.JsonNode)> placing;
        Task bad;
        int queued;
        try
        {
            while (writer.Queued > 0) await Task.Delay(10); // the writer is inside the blocking unit
            placing = Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
            for (var deadline = DateTime.UtcNow.AddSeconds(30); writer.Queued == 0 && DateTime.UtcNow < deadline;)
                await Task.Delay(10); // the call's decision is queued behind the blocking unit
            bad = writer.WriteAsync(w =>
            {
                // Two seals for one chain position: the unique index refuses the second.
                var at = App.Time.GetUtcNow();
                w.AuditSeals.Add(new AuditSeal { At = at, FirstPosition = -3, LastPosition = -3, HeadHash = "x" });
                w.AuditSeals.Add(new AuditSeal { At = at, FirstPosition = -3, LastPosition = -3, HeadHash = "y" });
            });
            queued = writer.Queued;
        }
        finally
        {
            gate.SetResult(); // never leave the writer held: the host could not stop
        }
        Assert.Equal(2, queued);
        var (status, body) = await placing;
        await blocking;
        await Assert.ThrowsAnyAsync<Exception>(() => bad);

        Assert.Equal(HttpStatusCode.Created, status);
        var id = (string)body["id"]!;
        string[] expected = ["call.requested", "call.decided", "twilio.create"];
        Assert.Equal(expected, body["events"]!.AsArray().Select(e => (string)e!["type"]!));
        Assert.Equal(expected,
            App.Query(db => db.CallEvents.Where(e => e.CallId == id).OrderBy(e => e.Id).Select(e => e.Type).ToList()));
        Assert.Equal(3, App.Query(db => db.AuditEvents.Count(e => e.Subject == id)));
        Assert.Equal(1, App.Query(db => db.Calls.Count(c => c.Id == id)));
        Assert.Equal(0, App.Query(db => db.AuditSeals.Count(s => s.LastPosition < 0)));
    }
}
