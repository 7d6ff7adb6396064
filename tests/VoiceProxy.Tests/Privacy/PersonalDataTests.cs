using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace VoiceProxy.Tests.Privacy;

/// <summary>Issue 13, item 9: the audit chain holds no personal data, an Admin can erase a person's data without breaking
/// the chain or making the number callable again, and personal data older than the retention period is erased.</summary>
public sealed class PersonalDataTests : ApplicationTests
{
    private const string Address = "203.0.113.77";
    private const string Browser = "Mozilla/5.0 (PrivacyTestBrowser 1.0)";
    private const string Speech = "who gave you my number";
    private const string OrderNumber = "Z-4242";

    private readonly TwilioWebhookClient _twilio;
    private readonly HttpClient _supervisor;
    private readonly HttpClient _admin;

    public PersonalDataTests()
    {
        _twilio = new TwilioWebhookClient(App.CreateClient());
        _supervisor = App.ClientWithKey(VoiceProxyApplication.SupervisorKey);
        _admin = App.ClientWithKey(VoiceProxyApplication.AdminKey);
    }

    /// <summary>The pseudonym as the documentation defines it: HMAC-SHA256 of the E.164 number, keyed with the configured
    /// key, in lower-case hex.</summary>
    private static string Pseudonym(string phone) => Convert.ToHexStringLower(
        HMACSHA256.HashData(Convert.FromBase64String(TestSettings.PseudonymKey), Encoding.UTF8.GetBytes(phone)));

    /// <summary>What a person leaves behind: express written consent with evidence, a revocation with a note, a call that was
    /// answered (the message spoken, with the order number) and a spoken reply, and another seller's do-not-call entry.</summary>
    private async Task<string> LeaveTracesAsync(string phone)
    {
        var (granted, _) = await Acme.PostJsonAsync("/v1/consents", new
        {
            phone, scope = "transactional", kind = "express_written", source = "checkout-form",
            evidence = new
            {
                disclosureText = "I agree to automated calls about my orders.", pageUrl = "https://shop.example/checkout",
                ipAddress = Address, userAgent = Browser,
            },
        });
        Assert.Equal(HttpStatusCode.Created, granted);
        var (revoked, _) = await Acme.PostJsonAsync("/v1/consents/revocations",
            new { phone, scope = "marketing", note = $"asked by phone from {phone}" });
        Assert.Equal(HttpStatusCode.Created, revoked);
        var (placed, call) = await Acme.PostJsonAsync("/v1/calls", new
        {
            to = phone, purpose = "transactional", template = "order-update",
            variables = new Dictionary<string, string> { ["orderNumber"] = OrderNumber, ["orderStatus"] = "shipped" },
        });
        Assert.Equal(HttpStatusCode.Created, placed);
        var (id, sid) = ((string)call["id"]!, (string)call["twilioCallSid"]!);
        await _twilio.TwimlAsync($"/twilio/voice/{id}", new() { ["CallSid"] = sid, ["AnsweredBy"] = "human" });
        await _twilio.TwimlAsync($"/twilio/gather/{id}?attempt=0", new() { ["CallSid"] = sid, ["SpeechResult"] = Speech });
        var globex = App.ClientWithKey(VoiceProxyApplication.GlobexKey);
        var (listed, _) = await globex.PostJsonAsync("/v1/dnc", new { phone, reason = $"{phone} asked us by email" });
        Assert.Equal(HttpStatusCode.Created, listed);
        return id;
    }

    /// <summary>Every text value of every table, read straight from the database file.</summary>
    private List<(string Table, string Value)> EveryStoredValue()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(App.Folder, "voiceproxy.db")};Mode=ReadOnly");
        connection.Open();
        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
            using var reader = list.ExecuteReader();
            while (reader.Read()) tables.Add(reader.GetString(0));
        }
        var values = new List<(string, string)>();
        foreach (var table in tables)
        {
            using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\"";
            using var reader = select.ExecuteReader();
            while (reader.Read())
                for (var i = 0; i < reader.FieldCount; i++)
                    if (!reader.IsDBNull(i)) values.Add((table, Convert.ToString(reader.GetValue(i),
                        System.Globalization.CultureInfo.InvariantCulture)!));
        }
        return values;
    }

    private static string[] TracesOf(string phone) => [phone, phone[2..], Address, Browser, Speech, OrderNumber];

    [Fact]
    public async Task Events_ForACallAndAConsent_CarryNoPhoneNumberAddressOrWordsInTheirChainedContent()
    {
        var id = await LeaveTracesAsync(Phone);

        var events = App.Query(db => db.AuditEvents.ToList());

        Assert.Contains(events, e => e.Type == "consent.granted");
        Assert.Contains(events, e => e.Type == "message.rendered");
        foreach (var e in events)
            foreach (var trace in TracesOf(Phone))
            {
                Assert.DoesNotContain(trace, e.PayloadJson, StringComparison.Ordinal);
                Assert.DoesNotContain(trace, e.Subject ?? "", StringComparison.Ordinal);
            }
        var requested = JsonNode.Parse(Assert.Single(events, e => e.Type == "call.requested").PayloadJson)!;
        Assert.Equal(Pseudonym(Phone), (string?)requested["person"]);
        Assert.Equal(Pseudonym(Phone), Assert.Single(events, e => e.Type == "consent.granted").Subject);
        // While the data exists, readers see it: the timeline shows the number, the words spoken and the reply.
        var (_, call) = await _supervisor.GetJsonAsync($"/v1/calls/{id}");
        var timeline = call["events"]!.AsArray();
        Assert.Equal(Phone, (string?)timeline.Single(e => (string?)e!["type"] == "call.requested")!["detail"]!["to"]);
        Assert.Contains(OrderNumber, (string?)timeline.First(e => (string?)e!["type"] == "message.rendered")!["detail"]!["text"]);
        Assert.Equal(Speech, (string?)timeline.Single(e => (string?)e!["type"] == "twilio.gather")!["detail"]!["speech"]);
        var (_, verified) = await _supervisor.VerifySealedAsync();
        Assert.True((bool)verified["ok"]!);
        Assert.Equal(0, (long)verified["personal"]!["erased"]!);
        Assert.True((long)verified["personal"]!["kept"]! >= 5);
    }

    [Fact]
    public async Task Erasure_RemovesThePersonsDataFromEveryTableAndAnswer_ChainVerifies_NumberStaysBlocked()
    {
        const string other = "+14155550124";
        var id = await LeaveTracesAsync(Phone);
        await Acme.GrantAsync(other, "transactional");
        var (_, otherCall) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(other));

        var (status, erasure) = await _admin.PostJsonAsync("/v1/privacy/erasures",
            new { phone = Phone, reason = "The customer asked by email on 30 November" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Pseudonym(Phone), (string?)erasure["person"]);
        Assert.Equal(1, (int)erasure["calls"]!);
        Assert.Equal(2, (int)erasure["consentEntries"]!);
        Assert.Equal(1, (int)erasure["dncEntries"]!);
        Assert.True((int)erasure["personalData"]! >= 6);
        Assert.Equal(0, (long)erasure["retainedInSealedEvents"]!);
        Assert.Equal(["acme", "globex"], erasure["suppressedFor"]!.AsArray().Select(s => (string)s!));
        // Gone from every table...
        var stored = EveryStoredValue();
        foreach (var trace in TracesOf(Phone))
            Assert.DoesNotContain(stored, v => v.Value.Contains(trace, StringComparison.Ordinal));
        Assert.Contains(stored, v => v.Table == "calls" && v.Value == other);
        // ...and from every answer, which shows it as erased.
        var (_, call) = await _supervisor.GetJsonAsync($"/v1/calls/{id}");
        var (_, list) = await _supervisor.GetJsonAsync("/v1/calls");
        var export = await _supervisor.GetStringAsync("/v1/calls/export");
        var (_, consent) = await _supervisor.GetJsonAsync($"/v1/consents/{ApiHelpers.Path(Phone)}?seller=acme");
        var (_, dnc) = await _supervisor.GetJsonAsync($"/v1/dnc/{ApiHelpers.Path(Phone)}?seller=globex");
        foreach (var answer in new[] { call.ToJsonString(), list.ToJsonString(), export,
            consent["history"]!.ToJsonString(), dnc["internal"]!.ToJsonString() })
            foreach (var trace in TracesOf(Phone))
                Assert.DoesNotContain(trace, answer, StringComparison.Ordinal);
        Assert.StartsWith("erased:", (string?)call["to"]);
        Assert.Empty(call["variables"]!.AsObject());
        Assert.All(call["events"]!.AsArray().Where(e => (string?)e!["type"] is "call.requested" or "message.rendered"),
            e => Assert.Equal("erased", (string?)e!["detail"]!["personal"]));
        Assert.Equal("erased", (string?)consent["history"]![0]!["evidence"]);
        // Still listed, now because of the erasure (the earlier entry's reason is erased).
        Assert.Equal("erasure request", (string?)dnc["internal"]!["reason"]);
        Assert.Contains(other, export, StringComparison.Ordinal);
        var (_, byPhone) = await _supervisor.GetJsonAsync($"/v1/calls?phone={ApiHelpers.Path(Phone)}");
        Assert.Empty(byPhone["items"]!.AsArray());
        // The chain still verifies, and says what was erased.
        var (_, verified) = await _supervisor.VerifySealedAsync();
        Assert.True((bool)verified["ok"]!, verified.ToJsonString());
        Assert.True((long)verified["personal"]!["erased"]! >= 6);
        var erasedEvent = Assert.Single(App.Query(db => db.AuditEvents.Where(e => e.Type == "privacy.erased").ToList()));
        Assert.Equal(Pseudonym(Phone), erasedEvent.Subject);
        Assert.Equal("admin", erasedEvent.Actor);
        Assert.DoesNotContain("email", erasedEvent.PayloadJson, StringComparison.Ordinal);
        // The number is not callable again, not even after a new consent: the erasure put it on every seller's list.
        App.Time.Advance(TimeSpan.FromMinutes(1));
        await Acme.GrantAsync(Phone, "transactional");
        var (blocked, problem) = await Acme.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, blocked);
        Assert.Contains("dnc_internal", problem.ReasonCodes());
        var (globexBlocked, globexProblem) = await App.ClientWithKey(VoiceProxyApplication.GlobexKey)
            .PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(Phone, from: "+12125550100"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, globexBlocked);
        Assert.Contains("dnc_internal", globexProblem.ReasonCodes());
        // Another person's data is untouched.
        var (_, kept) = await _supervisor.GetJsonAsync($"/v1/calls/{(string)otherCall["id"]!}");
        Assert.Equal(other, (string?)kept["to"]);
    }

    [Fact]
    public async Task Erasure_ByANonAdminOrWithBadInput_IsRefused()
    {
        var (asSupervisor, _) = await _supervisor.PostJsonAsync("/v1/privacy/erasures", new { phone = Phone, reason = "x" });
        var (asCaller, _) = await Acme.PostJsonAsync("/v1/privacy/erasures", new { phone = Phone, reason = "x" });
        var (bad, problem) = await _admin.PostJsonAsync("/v1/privacy/erasures", new { phone = "4155550123" });

        Assert.Equal(HttpStatusCode.Forbidden, asSupervisor);
        Assert.Equal(HttpStatusCode.Forbidden, asCaller);
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.NotNull(problem["errors"]!["phone"]);
        Assert.NotNull(problem["errors"]!["reason"]);
    }
}
