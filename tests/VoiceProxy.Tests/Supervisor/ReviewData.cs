using System.Net;
using System.Text;
using System.Text.Json;
using VoiceProxy.Compliance;
using VoiceProxy.Data;

namespace VoiceProxy.Tests.Supervisor;

/// <summary>Calls for the review tests: real ones through the API, and many written straight to the store.</summary>
internal static class ReviewData
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>An allowed, placed call: consent first, then the call.</summary>
    public static async Task<string> PlaceAllowedAsync(HttpClient caller, string phone)
    {
        await caller.GrantAsync(phone, "transactional");
        var (status, body) = await caller.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(phone));
        Assert.Equal(HttpStatusCode.Created, status);
        return (string)body["id"]!;
    }

    /// <summary>A call the gate blocks for want of consent.</summary>
    public static async Task<string> PlaceBlockedAsync(HttpClient caller, string phone)
    {
        var (status, body) = await caller.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(phone));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        return (string)body["callId"]!;
    }

    public static CallRecord Record(DateTimeOffset at, string to = "+14155550123", string seller = "acme", bool allowed = true,
        string? template = null, string? answeredBy = null, bool optedOut = false)
    {
        var reasons = allowed ? new List<Reason>()
            : [new Reason(ReasonCodes.DncInternal, "dnc_internal", "On the seller's do-not-call list.")];
        var decision = new Decision(allowed, at, [], reasons, null, []);
        return new CallRecord
        {
            Id = Guid.CreateVersion7(at).ToString(), Seller = seller, To = to, From = "+14155550100", Purpose = "transactional",
            Template = template ?? "order-update", Language = "en-US", VariablesJson = "{}", Allowed = allowed,
            DecisionJson = JsonSerializer.Serialize(decision, Json), ReasonCodes = allowed ? null : ReasonCodes.DncInternal,
            Status = allowed ? "completed" : "blocked",
            TwilioCallSid = allowed ? "CA" + Guid.NewGuid().ToString("N") : null, AnsweredBy = answeredBy, OptedOut = optedOut,
            DurationSeconds = allowed ? 30 : null, RequestedAt = at, UpdatedAt = at,
        };
    }

    public static void Insert(this VoiceProxyApplication app, params CallRecord[] calls) =>
        app.Query(db =>
        {
            db.Calls.AddRange(calls);
            return db.SaveChanges();
        });

    /// <summary>RFC 4180: quoted fields may hold commas, doubled quotes and line breaks; records end with CRLF.</summary>
    public static List<string[]> ParseCsv(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                records.Add([.. fields]);
                fields.Clear();
                i++;
            }
            else field.Append(c);
        }
        Assert.True(field.Length == 0 && fields.Count == 0, "The CSV must end with CRLF.");
        return records;
    }
}
