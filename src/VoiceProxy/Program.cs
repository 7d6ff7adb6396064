using VoiceProxy;
using VoiceProxy.Audit;
using VoiceProxy.Bulk;
using VoiceProxy.Calls;
using VoiceProxy.Compliance;
using VoiceProxy.Consent;
using VoiceProxy.Data;
using VoiceProxy.DoNotCall;
using VoiceProxy.AppEvents;
using VoiceProxy.Infrastructure;
using VoiceProxy.Lookup;
using VoiceProxy.Privacy;
using VoiceProxy.Security;
using VoiceProxy.Supervisor;
using VoiceProxy.Telephony;
using VoiceProxy.Twiml;

// Sub-commands (registry import, audit verify) run and exit instead of serving.
if (await Cli.TryRunAsync(args) is { } exitCode) return exitCode;

var builder = WebApplication.CreateBuilder(args);
// Demo keys only when nothing else is configured.
builder.KeepDemoSettingsToDemos(args);
// Serilog: one line per request, numbers masked.
builder.AddVoiceProxyLogging();
// Typed, validated settings and the clock.
builder.Services.AddVoiceProxyOptions(builder.Configuration);
// The EF Core store, placement locks and the database readiness check.
builder.Services.AddData();
// The audit log, hash-chained as it is saved.
builder.Services.AddAudit();
// Behind a reverse proxy: trusted proxies, shared cookie keys.
builder.Services.AddDeployment(builder.Configuration);
// Bearer API keys and roles, per-key rate limits, and the supervisor page's session cookie beside the keys.
builder.Services.AddApiKeyAuthentication();
builder.Services.AddRequestLimits();
builder.Services.AddSupervisorSignIn(builder.Configuration);
// The stores, the rules and the gate, the templates, Twilio, and the call service over them.
builder.Services.AddConsent();
builder.Services.AddDoNotCall();
builder.Services.AddCompliance();
builder.Services.AddTwiml();
builder.Services.AddTwilio(builder.Configuration);
// Twilio Lookup (reassigned numbers, line types) for the gate, with its cache shared through the store.
builder.Services.AddLookup(builder.Configuration);
builder.Services.AddCalls();
// Bulk scrub of a list and replay of recorded decisions, over the same gate.
builder.Services.AddBulk();
// Erasure of a person's data on request, and of everyone's after the retention period.
builder.Services.AddPrivacy();
// Signed events to the sellers' apps: sent from the transactional outbox in the background, with retries.
builder.Services.AddEvents();
// RFC 9457 errors: unreadable bodies 400, database down 503; the OpenAPI description of /v1 (served in Development).
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ExceptionProblems>();
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.AddApiDocs();

var app = builder.Build();
// Validate, migrate and load everything once, or exit with one line per problem.
if (app.TryPrepareVoiceProxy() is { } startupError) return startupError;
// Security headers on every response (nosniff, no framing, no referrer, a CSP per kind of response), whoever answers it.
app.UseSecurityHeaders();
// X-Forwarded-For/-Proto from the configured proxies only; then the request log, with the status sent.
app.UseDeploymentForwardedHeaders();
app.UseVoiceProxyRequestLogging();
// Never a stack trace; bad input is not an error.
app.UseExceptionHandler(new ExceptionHandlerOptions
{
    SuppressDiagnosticsCallback = c => c.Exception is BadHttpRequestException,
});
// problem+json for bare status codes; 64 KB bodies; the supervisor page over HTTPS only (outside Development), with its
// HTML, CSS and JS (wwwroot).
app.UseStatusCodePages();
app.UseBodySizeLimit();
app.UseSupervisorHttpsOnly();
app.UseStaticFiles();
// Rate limits come after authentication because they are per key; failures without a valid key are limited per address
// before authorization answers 401 (a route without a policy needs a key); anti-forgery guards the supervisor page's forms.
app.UseAuthentication();
app.UseClientThrottle();
app.UseAuthorization();
app.UseRateLimiter();
app.UseFormAntiforgery();
// /health/live and /health/ready; /v1/calls and /v1/compliance/check; /v1/consents; /v1/dnc and /v1/registry; /v1/rules
// (the rule book and the dates restricted at run time).
app.MapHealth();
app.MapCalls();
app.MapConsents();
app.MapDoNotCall();
app.MapRules();
// /v1/numbers/{phone}: the Lookup answers kept for a number.
app.MapLookup();
// /v1/compliance/scrub and /v1/compliance/replay.
app.MapBulk();
// /v1/audit/verify; the supervisors' /v1/calls list, export and figures; the /supervisor page with sign-in and sign-out.
app.MapAudit();
app.MapReview();
app.MapSupervisorPage();
// /v1/privacy/erasures: an Admin erases a person's data.
app.MapPrivacy();
// /v1/webhooks: the log of events sent to the sellers' apps, and a retry by hand.
app.MapEvents();
// /twilio/*: signed callbacks from Twilio; in Development, /openapi/v1.json and the Scalar UI at /scalar.
app.MapTwilioWebhooks();
app.MapApiDocs();
await app.RunAsync();
return 0;

public partial class Program;
