using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using VoiceProxy.Compliance;
using VoiceProxy.Consent;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;
using VoiceProxy.Security;
using VoiceProxy.Twiml;

namespace VoiceProxy.Bulk;

public sealed record ReplayBody(DateTimeOffset? From, DateTimeOffset? To, string? Seller, string? Rules, string? Facts);

/// <summary>POST /v1/compliance/scrub (a Caller, for its own seller) and POST /v1/compliance/replay (a Supervisor).</summary>
internal static class BulkApi
{
    public static RouteGroupBuilder MapBulk(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/compliance").WithTags("Bulk");
        group.MapPost("/scrub", Scrub).RequireAuthorization(Policies.Caller).LimitLongReads()
            // A list of up to a million rows is far over the API's body limit; rows are bounded instead (MaxScrubRows).
            .WithMetadata(new DisableRequestSizeLimitAttribute())
            .Accepts<string>("text/csv", "application/x-ndjson")
            .Produces<ScrubResult>(StatusCodes.Status200OK, "application/x-ndjson", "text/csv")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapPost("/replay", Replay).RequireAuthorization(Policies.Supervisor).LimitLongReads();
        return group;
    }

    private static async Task<Results<EmptyHttpResult, ValidationProblem, ProblemHttpResult>> Scrub(
        HttpContext http, string? seller, string? purpose, DateTimeOffset? at, string? template, string? lookup,
        ClaimsPrincipal user, Scrubber scrubber, TemplateCatalog templates, IOptions<VoiceProxyOptions> options,
        TimeProvider time)
    {
        var (sellerId, problem) = SellerScope.Resolve(user, seller, options.Value);
        if (problem is not null) return problem;
        var (request, errors) = ScrubQuery(sellerId!, user.KeyName(), purpose, at, template, lookup, templates, options.Value,
            time.GetUtcNow());
        if (request is null) return Problems.Invalid(errors);
        var input = FormatOf(http.Request.ContentType);
        if (input is null)
            return Problems.Create(415, "unsupported-media-type", "Unsupported media type",
                "Send the rows as text/csv (a header row, then one row a line) or application/x-ndjson " +
                "(one JSON object a line).");
        var answer = http.Request.Headers.Accept.Any(a => a?.Contains("text/csv", StringComparison.OrdinalIgnoreCase) == true)
            ? ScrubFormat.Csv : ScrubFormat.Ndjson;
        var limit = options.Value.Limits.MaxScrubRows;
        var ct = http.RequestAborted;

        using var reader = new ScrubReader(http.Request.BodyReader, input.Value, limit);
        if (await reader.ReadHeaderAsync(ct) is { } bad) return Problems.Create(400, "bad-request", "Bad request", bad);
        var batch = await reader.ReadBatchAsync(Scrubber.BatchRows, ct);
        if (reader.TooMany)
            return Problems.Create(413, "payload-too-large", "Too many rows",
                $"A scrub may have at most {limit.ToString("N0", CultureInfo.InvariantCulture)} rows " +
                "(VoiceProxy:Limits:MaxScrubRows); split the list. Nothing was decided.");

        var output = new ScrubOutput(answer);
        http.Response.ContentType = output.ContentType;
        http.Response.Headers.CacheControl = "no-store";
        await scrubber.StreamAsync(request, reader, batch, output, http.Response.BodyWriter, limit, ct);
        return TypedResults.Empty;
    }

    private static (ScrubRequest? Request, Dictionary<string, string[]> Errors) ScrubQuery(
        string seller, string actor, string? purpose, DateTimeOffset? at, string? template, string? lookup,
        TemplateCatalog templates, VoiceProxyOptions options, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>();
        var parsed = Purposes.Parse(purpose);
        if (purpose is not null && parsed is null) errors["purpose"] = ["must be 'transactional' or 'marketing'."];
        if (at < now.AddYears(-1) || at > now.AddYears(1)) errors["at"] = ["must be within a year of now."];
        if (lookup is not (null or "false" or "true")) errors["lookup"] = ["must be 'true' or 'false'."];
        var marketing = false;
        if (template is not null)
        {
            var language = options.FindSeller(seller)!.DefaultLanguage;
            if (templates.Find(language, template) is not { } found)
                errors["template"] = [$"No template '{template}' exists for {language}."];
            else if (found.Purpose == Purpose.Marketing && parsed == Purpose.Transactional)
                errors["purpose"] = ["This template makes an offer, so the call is a marketing call."];
            else marketing = found.Purpose == Purpose.Marketing;
        }
        return errors.Count > 0 ? (null, errors)
            : (new ScrubRequest(seller, actor, parsed, at ?? now, template, marketing, lookup == "true"), errors);
    }

    private static ScrubFormat? FormatOf(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var type) ? type.MediaType.Value?.ToLowerInvariant() switch
        {
            "text/csv" => ScrubFormat.Csv,
            "application/x-ndjson" or "application/ndjson" or "application/jsonl" => ScrubFormat.Ndjson,
            _ => null,
        } : null;

    private static async Task<Results<EmptyHttpResult, ValidationProblem>> Replay(
        ReplayBody body, HttpContext http, Replayer replayer, IRuleBooks rules, IOptions<VoiceProxyOptions> options)
    {
        var (request, gate, errors) = await ValidateAsync(body, rules, options.Value, http.RequestAborted);
        if (request is null) return Problems.Invalid(errors);
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        // The differences stream as they are found; the counts follow them.
        await using var json = new Utf8JsonWriter(http.Response.BodyWriter);
        json.WriteStartObject();
        json.WriteString("rules", request.Rules);
        json.WriteString("facts", request.CurrentFacts ? "current" : "recorded");
        json.WritePropertyName("differences");
        json.WriteStartArray();
        var counts = await replayer.RunAsync(request, gate!, async d =>
        {
            JsonSerializer.Serialize(json, d, StoredJson.Options);
            if (json.BytesPending < 32 * 1024) return;
            // Hands what is written to the connection: the answer is never held whole, however many calls differ.
            json.Flush();
            await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
        }, http.RequestAborted);
        json.WriteEndArray();
        json.WriteNumber("calls", counts.Calls);
        json.WriteNumber("changed", counts.Changed);
        json.WriteNumber("factsNotKept", counts.FactsNotKept);
        json.WriteNumber("erased", counts.Erased);
        json.WriteEndObject();
        await json.FlushAsync(http.RequestAborted);
        return TypedResults.Empty;
    }

    /// <summary>The replay asked for, with the gate of its rule book, or the fields that are wrong.</summary>
    public static async Task<(ReplayRequest? Request, Gate? Gate, Dictionary<string, string[]> Errors)> ValidateAsync(
        ReplayBody body, IRuleBooks rules, VoiceProxyOptions options, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.From is null) errors["from"] = ["is required."];
        if (body.To is null) errors["to"] = ["is required."];
        if (body.From >= body.To) errors["to"] = ["must be after 'from'."];
        else if (body.To - body.From > TimeSpan.FromDays(options.Limits.MaxReviewRangeDays))
            errors["from"] = [$"The range is longer than {options.Limits.MaxReviewRangeDays} days "
                + "(VoiceProxy:Limits:MaxReviewRangeDays): replay shorter ranges."];
        if (body.Seller is { } seller && options.FindSeller(seller) is null) errors["seller"] = [$"No seller '{seller}'."];
        var version = body.Rules ?? StoredRules.Current;
        var gate = await rules.FindAsync(version, ct);
        if (gate is null)
            errors["rules"] = [$"No rule book '{version}': name '{StoredRules.Current}', or a version or label GET /v1/rules "
                + "or a decision's rulesVersion shows."];
        if (body.Facts is not (null or "recorded" or "current")) errors["facts"] = ["must be 'recorded' or 'current'."];
        return errors.Count > 0 ? (null, null, errors)
            : (new ReplayRequest(body.From!.Value, body.To!.Value, body.Seller, version, body.Facts == "current"), gate, errors);
    }
}
