using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Telephony;

/// <summary>What the simulated called party does, chosen by the last four digits of the number called.</summary>
internal enum SimulatedScenario { Listens, PressesOptOutDigit, SaysStopCalling, Busy, NoAnswer, Voicemail, Fails }

/// <summary>Answering-machine detection as the create-call request asked for it: none (no <c>MachineDetection</c>),
/// synchronous (the voice webhook waits for the result and carries <c>AnsweredBy</c>) or asynchronous (<c>AsyncAmd=true</c>:
/// the voice webhook comes at once without it, the result is posted to <c>AsyncAmdStatusCallback</c>).</summary>
internal enum SimulatedDetection { None, Synchronous, Asynchronous }

/// <summary>
/// An in-process stand-in for Twilio, used only in Simulated mode (no credentials). It answers create-call requests the way
/// Twilio's REST API does and logs, loudly, that no real call was made. Then, in the background, it plays the call: it posts
/// the webhooks Twilio would post to the <c>Url</c> and <c>StatusCallback</c> it was given, signed with Twilio's algorithm and
/// the effective auth token, over plain HTTP (not through the "twilio" client), and logs what the caller would hear.
/// <para>Test numbers, by their last four digits (any area code):</para>
/// <list type="table">
/// <item><term>0199</term><description>answers (human), hears the message and presses the opt-out digit</description></item>
/// <item><term>0186</term><description>answers (human) and says the first opt-out phrase of its language</description></item>
/// <item><term>0177</term><description>busy</description></item>
/// <item><term>0155</term><description>no answer</description></item>
/// <item><term>0166</term><description>voicemail: answered by a machine (machine_end_beep), the voicemail message is
/// left</description></item>
/// <item><term>0144</term><description>the call fails (failed)</description></item>
/// <item><term>anything else</term><description>answers (human) and listens to the end without pressing anything
/// (e.g. 0100)</description></item>
/// </list>
/// Sequence, as Twilio sends it: status initiated (SequenceNumber 0), ringing (1), then either completed with
/// busy/no-answer/failed (2), or answered (2, CallStatus in-progress), the voice webhook, the Gather action if the party
/// responds, and completed (3) with CallDuration. Each delivery carries a fresh I-Twilio-Idempotency-Token.
/// <para>Machine detection follows the request. With <c>AsyncAmd=true</c> (what VoiceProxy asks for) the voice webhook comes
/// without AnsweredBy and the message starts at once; a moment later the result (AnsweredBy, MachineDetectionDuration) is
/// posted to the <c>AsyncAmdStatusCallback</c>. The service may then update the call (POST <c>Calls/{Sid}.json</c>): a new
/// <c>Url</c> is fetched next, as Twilio does, and <c>Status=completed</c> hangs up. Synchronous detection puts AnsweredBy on
/// the voice webhook instead.</para>
/// </summary>
internal sealed class SimulatedTwilioApi(
    ILogger<SimulatedTwilioApi> log, TimeProvider time, IOptions<TwilioOptions> twilio, IOptions<VoiceProxyOptions> options,
    IHostApplicationLifetime lifetime, IServiceScopeFactory scopes) : IDisposable
{
    /// <summary>Between two steps of a call: quick enough that a newcomer sees the whole call at once and tests finish fast,
    /// slow enough that the create-call answer is normally recorded before the first status callback arrives (as with
    /// Twilio).</summary>
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(40);

    // A plain client, not the "twilio" one: these requests go from "Twilio" to this service, not from this service to Twilio.
    private readonly HttpClient _webhooks = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Calls being played, by SID: only these can be updated, as only a live call can be with Twilio.</summary>
    private readonly ConcurrentDictionary<string, SimulatedCall> _live = new();

    /// <summary>The latest update the service asked for on a live call, taken by the call's player at its next step.</summary>
    private readonly ConcurrentDictionary<string, CallUpdate> _updates = new();

    public HttpMessageHandler CreateHandler() => new Handler(this);

    public static SimulatedScenario ScenarioFor(string? to) => to is { Length: >= 4 } ? to[^4..] switch
    {
        "0199" => SimulatedScenario.PressesOptOutDigit,
        "0186" => SimulatedScenario.SaysStopCalling,
        "0177" => SimulatedScenario.Busy,
        "0155" => SimulatedScenario.NoAnswer,
        "0166" => SimulatedScenario.Voicemail,
        "0144" => SimulatedScenario.Fails,
        _ => SimulatedScenario.Listens,
    } : SimulatedScenario.Listens;

    /// <summary>Twilio's request signature: HMAC-SHA1, keyed with the auth token, over the full URL followed by every form
    /// field's name and value in name order (a repeated name once per distinct value, values in order); base64.</summary>
    public static string Sign(string url, IEnumerable<KeyValuePair<string, string>> form, string authToken)
    {
        var data = new StringBuilder(url);
        foreach (var (key, value) in form.Distinct().OrderBy(f => f.Key, StringComparer.Ordinal)
            .ThenBy(f => f.Value, StringComparer.Ordinal)) data.Append(key).Append(value);
        // Twilio's protocol, not a choice: the signature is HMAC-SHA1.
#pragma warning disable CA5350
        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString()));
#pragma warning restore CA5350
        return Convert.ToBase64String(mac);
    }

    public void Dispose() => _webhooks.Dispose();

    private async Task<HttpResponseMessage> AnswerAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var path = request.RequestUri!.AbsolutePath;
        if (request.Method == HttpMethod.Post && UpdatedSid(path) is { } updated)
            return await UpdateAsync(updated, request, ct);
        if (request.Method != HttpMethod.Post || !path.EndsWith("/Calls.json", StringComparison.Ordinal))
            return Json(HttpStatusCode.NotFound,
                new { code = 20404, message = "The simulated Twilio API only creates and updates calls.", status = 404 });

        var form = await request.Content!.ReadAsStringAsync(ct);
        var fields = System.Web.HttpUtility.ParseQueryString(form);
        var sid = "CA" + Guid.NewGuid().ToString("N");
        var account = path.Split('/')[3];
        var scenario = ScenarioFor(fields["To"]);
        log.LogWarning(
            "SIMULATED Twilio: no real call was placed (call {CallSid} to {To}, scenario {Scenario}). " +
            "Configure Twilio:AccountSid and Twilio:AuthToken to place real calls.",
            sid, Phone.Mask(fields["To"]), scenario);
        var detection = string.IsNullOrEmpty(fields["MachineDetection"]) ? SimulatedDetection.None
            : fields["AsyncAmd"] == "true" ? SimulatedDetection.Asynchronous
            : SimulatedDetection.Synchronous;
        var call = new SimulatedCall(sid, account, fields["To"] ?? "", fields["From"] ?? "", fields["Url"],
            fields["StatusCallback"], scenario, detection, NullIfEmpty(fields["AsyncAmdStatusCallback"]));
        if (twilio.Value.EffectiveMode == TwilioMode.Simulated)
        {
            _live[sid] = call;
            // Not the placing request's context: the call outlives it, and its log lines should not carry that request's scope.
            using (ExecutionContext.SuppressFlow())
                _ = Task.Run(() => PlayAsync(call, lifetime.ApplicationStopping), CancellationToken.None);
        }
        var now = time.GetUtcNow().ToString("R");
        return Json(HttpStatusCode.Created, new Dictionary<string, object?>
        {
            ["sid"] = sid, ["account_sid"] = account, ["to"] = fields["To"], ["from"] = fields["From"],
            ["status"] = "queued", ["direction"] = "outbound-api", ["api_version"] = "2010-04-01",
            ["date_created"] = now, ["date_updated"] = now,
            ["uri"] = $"/2010-04-01/Accounts/{account}/Calls/{sid}.json",
        });
    }

    /// <summary>Twilio's call update (<c>POST /2010-04-01/Accounts/{Account}/Calls/{Sid}.json</c>) on a live call: a new
    /// <c>Url</c> to fetch, or <c>Status=completed</c> to hang up. A call that is not live gets Twilio's 404.</summary>
    private async Task<HttpResponseMessage> UpdateAsync(string sid, HttpRequestMessage request, CancellationToken ct)
    {
        if (!_live.TryGetValue(sid, out var call))
            return Json(HttpStatusCode.NotFound,
                new { code = 20404, message = $"The requested resource Calls/{sid}.json was not found", status = 404 });
        var fields = System.Web.HttpUtility.ParseQueryString(await request.Content!.ReadAsStringAsync(ct));
        var hangup = fields["Status"] is "completed" or "canceled";
        var url = NullIfEmpty(fields["Url"]);
        if (!hangup && url is null)
            return Json(HttpStatusCode.BadRequest,
                new { code = 21201, message = "The simulated Twilio API updates a call's Url or Status only.", status = 400 });
        _updates[sid] = new CallUpdate(hangup ? null : url);
        log.LogWarning("SIMULATED Twilio: call {CallSid} updated: {Update}",
            sid, hangup ? "hang up" : $"fetch {new Uri(url!).AbsolutePath}");
        var now = time.GetUtcNow().ToString("R");
        return Json(HttpStatusCode.OK, new Dictionary<string, object?>
        {
            ["sid"] = sid, ["account_sid"] = call.Account, ["to"] = call.To, ["from"] = call.From,
            ["status"] = hangup ? CallStatus.Completed : CallStatus.InProgress, ["direction"] = "outbound-api",
            ["api_version"] = "2010-04-01", ["date_updated"] = now,
            ["uri"] = $"/2010-04-01/Accounts/{call.Account}/Calls/{sid}.json",
        });
    }

    /// <summary>The SID in a call-update path (<c>…/Calls/{Sid}.json</c>), else null.</summary>
    private static string? UpdatedSid(string path)
    {
        var parts = path.Split('/');
        return parts is [.., "Calls", var file] && file.EndsWith(".json", StringComparison.Ordinal) && file.StartsWith("CA",
            StringComparison.Ordinal) ? file[..^".json".Length] : null;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private sealed record SimulatedCall(
        string Sid, string Account, string To, string From, string? Url, string? StatusCallback, SimulatedScenario Scenario,
        SimulatedDetection Detection, string? AmdCallback);

    /// <summary>What the service asked of a live call: fetch <see cref="Url"/>, or hang up when it is null.</summary>
    private sealed record CallUpdate(string? Url);

    /// <summary>The call, step by step. Failures are logged, never thrown: nobody awaits this.</summary>
    private async Task PlayAsync(SimulatedCall call, CancellationToken ct)
    {
        try
        {
            var sequence = 0;
            // The network pace runs on the real clock, so a test's fake business clock never has to be advanced for a call
            // to progress.
            await Task.Delay(Step, ct);
            await UntilRecordedAsync(call.Sid, ct);
            await StatusAsync(call, CallStatus.Initiated, sequence++, null, null, ct);
            await Task.Delay(Step, ct);
            await StatusAsync(call, CallStatus.Ringing, sequence++, null, null, ct);
            await Task.Delay(Step, ct);
            switch (call.Scenario)
            {
                case SimulatedScenario.Busy: await StatusAsync(call, CallStatus.Busy, sequence, 0, null, ct); return;
                case SimulatedScenario.NoAnswer: await StatusAsync(call, CallStatus.NoAnswer, sequence, 0, null, ct); return;
                case SimulatedScenario.Fails: await StatusAsync(call, CallStatus.Failed, sequence, 0, null, ct); return;
            }

            var answeredBy = call.Scenario == SimulatedScenario.Voicemail ? "machine_end_beep" : "human";
            // Known when the call is answered only with synchronous detection; without detection never.
            var known = call.Detection == SimulatedDetection.Synchronous ? answeredBy : null;
            var detected = call.Detection == SimulatedDetection.None ? null : answeredBy;
            await StatusAsync(call, CallStatus.InProgress, sequence++, null, known, ct);
            var words = 0;
            var twiml = await VoiceAsync(call, known, ct);
            words += Heard(call, "the voice webhook", twiml);
            if (call is { Detection: SimulatedDetection.Asynchronous, AmdCallback: { } amd })
            {
                // The message has started; detection goes on in the background and reports when it has decided.
                await Task.Delay(Step, ct);
                var form = Fields(call, CallStatus.InProgress, answeredBy);
                form["MachineDetectionDuration"] = answeredBy == "human" ? "1830" : "4210";
                await PostAsync(amd, form, ct);
                if (_updates.TryRemove(call.Sid, out var update))
                {
                    if (update.Url is null)
                    {
                        await StatusAsync(call, CallStatus.Completed, sequence, Math.Max(1, (int)Math.Ceiling(words / 2.5)),
                            detected, ct);
                        return;
                    }
                    await Task.Delay(Step, ct);
                    twiml = await PostAsync(update.Url, Fields(call, CallStatus.InProgress, answeredBy), ct) is { } redirected
                        ? Parse(redirected) : null;
                    words += Heard(call, "the redirect", twiml);
                }
            }
            if (twiml?.Element("Gather") is { } gather && (string?)gather.Attribute("action") is { } action
                && call.Scenario is SimulatedScenario.PressesOptOutDigit or SimulatedScenario.SaysStopCalling)
            {
                await Task.Delay(Step, ct);
                var form = Fields(call, CallStatus.InProgress, answeredBy: null);
                if (call.Scenario == SimulatedScenario.PressesOptOutDigit)
                {
                    form["Digits"] = options.Value.OptOutDigit;
                    form["FinishedOnKey"] = "";
                }
                else
                {
                    var hint = ((string?)gather.Attribute("hints"))?.Split(',')[0].Trim();
                    form["SpeechResult"] = hint is { Length: > 0 } ? hint : "stop calling";
                    form["Confidence"] = "0.92";
                }
                log.LogWarning("SIMULATED Twilio: the called party {Does} on call {CallSid}.",
                    form.TryGetValue("Digits", out var d) ? $"pressed {d}" : $"said \"{form["SpeechResult"]}\"", call.Sid);
                words += Heard(call, "the gather action", await PostAsync(action, form, ct) is { } body ? Parse(body) : null);
            }
            await Task.Delay(Step, ct);
            // About 2.5 spoken words a second, at least one second: the duration Twilio would bill.
            await StatusAsync(call, CallStatus.Completed, sequence, Math.Max(1, (int)Math.Ceiling(words / 2.5)), detected, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The service is stopping: the rest of the call is never played.
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Xml.XmlException
            or System.Data.Common.DbException)
        {
            log.LogWarning("SIMULATED Twilio: call {CallSid} stopped: {Error}", call.Sid, e.Message);
        }
        finally
        {
            _live.TryRemove(call.Sid, out _);
            _updates.TryRemove(call.Sid, out _);
        }
    }

    /// <summary>Twilio's first callback normally arrives after its API answer has been recorded; on a loaded machine the
    /// stand-in could overtake that write, and the service would then overwrite the newer status with "initiated". So the
    /// call plays once the SID is stored, or after five seconds (an answer that was lost is never stored).</summary>
    private async Task UntilRecordedAsync(string sid, CancellationToken ct)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(5))
        {
            using (var scope = scopes.CreateScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<VoiceProxyDb>();
                if (await db.Calls.AnyAsync(c => c.TwilioCallSid == sid, ct)) return;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(10), ct);
        }
    }

    private async Task<XElement?> VoiceAsync(SimulatedCall call, string? answeredBy, CancellationToken ct)
    {
        if (call.Url is null) return null;
        var form = Fields(call, CallStatus.InProgress, answeredBy);
        return await PostAsync(call.Url, form, ct) is { } body ? Parse(body) : null;
    }

    private int Heard(SimulatedCall call, string source, XElement? twiml)
    {
        var said = twiml?.Descendants("Say").Select(s => s.Value.Trim()).Where(s => s.Length > 0).ToList() ?? [];
        if (said.Count > 0)
            log.LogWarning("SIMULATED Twilio: what the caller would hear on call {CallSid} ({Source}): {Said}",
                call.Sid, source, string.Join(" | ", said));
        return said.Sum(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    private Task StatusAsync(
        SimulatedCall call, string status, int sequence, int? duration, string? answeredBy, CancellationToken ct)
    {
        if (call.StatusCallback is null) return Task.CompletedTask;
        var form = Fields(call, status, answeredBy);
        form["SequenceNumber"] = sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
        form["Timestamp"] = time.GetUtcNow().ToString("R");
        form["CallbackSource"] = "call-progress-events";
        if (duration is { } seconds) form["CallDuration"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return PostAsync(call.StatusCallback, form, ct);
    }

    private static Dictionary<string, string> Fields(SimulatedCall call, string status, string? answeredBy)
    {
        var form = new Dictionary<string, string>
        {
            ["AccountSid"] = call.Account, ["ApiVersion"] = "2010-04-01", ["CallSid"] = call.Sid, ["CallStatus"] = status,
            ["Direction"] = "outbound-api", ["From"] = call.From, ["To"] = call.To, ["Called"] = call.To, ["Caller"] = call.From,
        };
        if (answeredBy is not null) form["AnsweredBy"] = answeredBy;
        return form;
    }

    /// <summary>One signed delivery, as Twilio makes it; returns the body of a 2xx answer, else logs and returns null.</summary>
    private async Task<string?> PostAsync(string url, Dictionary<string, string> form, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", Sign(url, form, twilio.Value.EffectiveAuthToken));
        request.Headers.Add("I-Twilio-Idempotency-Token", Guid.NewGuid().ToString());
        request.Headers.UserAgent.ParseAdd("TwilioProxy/1.1");
        using var response = await _webhooks.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (response.IsSuccessStatusCode) return body;
        log.LogWarning("SIMULATED Twilio: {Url} answered {Status}", new Uri(url).AbsolutePath, (int)response.StatusCode);
        return null;
    }

    private static XElement? Parse(string body) => body.Length == 0 ? null : XElement.Parse(body);

    private static HttpResponseMessage Json(HttpStatusCode status, object body) =>
        new(status) { Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json") };

    private sealed class Handler(SimulatedTwilioApi api) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct) =>
            api.AnswerAsync(request, ct);
    }
}
