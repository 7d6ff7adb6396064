using VoiceProxy.Audit;
using VoiceProxy.Calls;
using VoiceProxy.Consent;
using VoiceProxy.DoNotCall;
using VoiceProxy.Infrastructure;
using VoiceProxy.Security;
using VoiceProxy.Supervisor;
using VoiceProxy.Telephony;

// Sub-commands (registry import, audit verify) run and exit instead of serving.
if (await Cli.TryRunAsync(args) is { } exitCode) return exitCode;

var builder = WebApplication.CreateBuilder(args);
builder.KeepDemoSettingsToDemos(args);                                         // demo keys only when nothing else is configured
builder.AddVoiceProxyLogging();                                               // Serilog: one line per request, numbers masked
builder.Services.AddVoiceProxyOptions(builder.Configuration);                  // typed, validated settings
builder.Services.AddVoiceProxyData();                                          // EF Core store, audit log, health
builder.Services.AddDeployment(builder.Configuration);                        // behind a reverse proxy: trusted proxies, shared cookie keys
builder.Services.AddAuditChain();                                              // hash-chains audit events as they are saved
builder.Services.AddApiKeyAuthentication();                                    // Bearer API keys and roles
builder.Services.AddRequestLimits();                                           // per-key rate limits
builder.Services.AddSupervisorSignIn();                                        // supervisor page session cookie beside the keys
builder.Services.AddCompliance();                                              // area codes, state rules, registry, the gate
builder.Services.AddCalls();                                                   // templates, placement through Twilio
builder.Services.AddProblemDetails();                                          // RFC 9457 errors
builder.Services.AddApiDocs();                                                 // OpenAPI description of /v1 (served in Development)
builder.Services.AddExceptionHandler<ExceptionProblems>();                     // unreadable bodies 400, database down 503
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

var app = builder.Build();
if (app.TryPrepareVoiceProxy() is { } startupError) return startupError;       // migrate, load and validate everything once
app.UseDeploymentForwardedHeaders();                                           // X-Forwarded-For/-Proto from the configured proxies only
app.UseVoiceProxyRequestLogging();                                             // request log lines, with the status sent
app.UseExceptionHandler(new ExceptionHandlerOptions                            // never a stack trace; bad input is not an error
    { SuppressDiagnosticsCallback = c => c.Exception is BadHttpRequestException });
app.UseStatusCodePages();                                                      // problem+json for bare status codes
app.UseBodySizeLimit();                                                        // 64 KB bodies
app.UseStaticFiles();                                                          // the supervisor page's HTML, CSS and JS (wwwroot)
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();                                                          // after authentication: limits are per key
app.UseAntiforgery();                                                          // anti-forgery tokens on the supervisor page's forms
app.MapHealth();                                                               // /health/live, /health/ready
app.MapCalls();                                                                // /v1/calls, /v1/compliance/check
app.MapConsents();                                                             // /v1/consents
app.MapDoNotCall();                                                            // /v1/dnc, /v1/registry
app.MapAudit();                                                                // /v1/audit/verify
app.MapReview();                                                               // supervisors: /v1/calls list, export, figures
app.MapSupervisorPage();                                                       // /supervisor: the web page, sign-in and sign-out
app.MapTwilioWebhooks();                                                       // /twilio/*: signed callbacks from Twilio
app.MapApiDocs();                                                              // Development only: /openapi/v1.json and the Scalar UI at /scalar
await app.RunAsync();
return 0;

public partial class Program;
