using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using VoiceProxy.Compliance;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;
using VoiceProxy.Security;

namespace VoiceProxy.Calls;

internal static class CallsApi
{
    public static RouteGroupBuilder MapCalls(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1").WithTags("Calls");
        group.MapPost("/calls", Place).RequireAuthorization(Policies.Caller)
            // The Results<> union cannot say which statuses its ProblemHttpResult carries: blocked, idempotency conflict,
            // Twilio down.
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/calls/{id}", Get).RequireAuthorization(Policies.CallerOrSupervisor);
        group.MapPost("/compliance/check", Check).RequireAuthorization(Policies.Caller);
        return group;
    }

    private static async Task<Results<Created<CallView>, ValidationProblem, ProblemHttpResult>> Place(
        CallRequestBody body, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, ClaimsPrincipal user,
        CallValidation validation, CallService calls, IOptions<VoiceProxyOptions> options, CancellationToken ct)
    {
        if (idempotencyKey is { Length: 0 or > 200 }) return Problems.Invalid("Idempotency-Key", "must be 1 to 200 characters.");
        if (body.At is not null) return Problems.Invalid("at", "is only for POST /v1/compliance/check; a call is decided now.");
        if (body.Lookup is not null)
            return Problems.Invalid("lookup", "is only for POST /v1/compliance/check; a call always consults Twilio Lookup.");
        var (request, errors) = validation.Validate(body, options.Value.FindSeller(user.BoundSeller()!)!);
        if (request is null) return Problems.Invalid(errors);

        var result = await calls.PlaceAsync(request, idempotencyKey, user.KeyName(), ct);
        var call = result.Call!;
        return result.Outcome switch
        {
            CallOutcome.Placed => TypedResults.Created($"/v1/calls/{call.Id}", CallView.Of(call, result.Personal)),
            CallOutcome.Blocked => Blocked(call),
            CallOutcome.Conflict => Problems.Create(409, "idempotency-conflict", "Idempotency key reused",
                "This Idempotency-Key was used with a different request body.",
                new Dictionary<string, object?> { ["callId"] = call.Id }),
            _ when call.Status == CallStatus.Unknown => Problems.Create(503, "call-outcome-unknown", "Twilio's answer was lost",
                "Twilio may have placed this call. Do not ask for it again under a new Idempotency-Key: repeat the request " +
                "with the same key, or read the call record, which is reconciled with Twilio within minutes.",
                new Dictionary<string, object?> { ["callId"] = call.Id, ["callStatus"] = call.Status }),
            _ => Problems.Create(503, "twilio-unavailable", "Twilio did not place the call",
                $"The call was allowed but Twilio did not accept it (status '{call.Status}'); nothing was placed.",
                new Dictionary<string, object?> { ["callId"] = call.Id, ["callStatus"] = call.Status }),
        };
    }

    private static ProblemHttpResult Blocked(CallRecord call)
    {
        var decision = JsonSerializer.Deserialize(call.DecisionJson, CallsJson.Default.Decision)!;
        return Problems.Create(422, "call-blocked", "The call is not allowed",
            string.Join(" ", decision.Reasons.Select(r => r.Message)),
            new Dictionary<string, object?>
            {
                ["callId"] = call.Id, ["reasons"] = decision.Reasons, ["nextAllowedAt"] = decision.NextAllowedAt
            });
    }

    private static async Task<Results<Ok<CallView>, ProblemHttpResult>> Get(
        string id, ClaimsPrincipal user, CallService calls, CancellationToken ct)
    {
        var call = await calls.FindAsync(id, ct);
        // A Caller key is told nothing about another seller's calls, not even that they exist.
        if (call is null || (user.BoundSeller() is { } seller && seller != call.Seller)) return Problems.NotFound("The call");
        return TypedResults.Ok(CallView.Of(call, await calls.PersonalOfAsync(call, ct)));
    }

    private static async Task<Results<Ok<Decision>, ValidationProblem>> Check(
        CallRequestBody body, ClaimsPrincipal user, CallValidation validation, CallService calls,
        IOptions<VoiceProxyOptions> options, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (body.At is { } at && (at < now.AddYears(-1) || at > now.AddYears(1)))
            return Problems.Invalid("at", "must be within a year of now.");
        var (request, errors) = validation.Validate(body, options.Value.FindSeller(user.BoundSeller()!)!);
        if (request is null) return Problems.Invalid(errors);
        return TypedResults.Ok(await calls.DryRunAsync(request, body.At ?? now, body.Lookup ?? true, ct));
    }
}
