using System.Buffers.Text;
using System.Globalization;
using System.Text;
using VoiceProxy.Data;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Supervisor;

/// <summary>The review filters as they arrive in the query string; parsed by <see cref="CallFilter.Parse"/>.</summary>
public sealed record CallQuery
{
    public string? From { get; init; }
    public string? To { get; init; }
    public string? Status { get; init; }
    public string? Allowed { get; init; }
    public string? Phone { get; init; }
    public string? Seller { get; init; }
    public string? OptedOut { get; init; }
    public string? Limit { get; init; }
    public string? Cursor { get; init; }
}

/// <summary>Where a page ends: the last row's (RequestedAt, Id), the keyset the list is ordered by.</summary>
public sealed record CallCursor(DateTimeOffset RequestedAt, string Id)
{
    public string Encode()
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{RequestedAt.UtcTicks}|{Id}");
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));
    }

    public static CallCursor? Decode(string text)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text)).Split('|', 2);
            return parts.Length == 2
                && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && parts[1].Length is > 0 and <= 40
                && ticks <= DateTimeOffset.MaxValue.UtcTicks
                ? new CallCursor(new DateTimeOffset(ticks, TimeSpan.Zero), parts[1]) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>Validated review filters: a time range [From, To), statuses, allowed or blocked, opted out, the called number, the
/// seller.</summary>
public sealed record CallFilter(
    DateTimeOffset? From, DateTimeOffset? To, IReadOnlyList<string> Statuses, bool? Allowed, string? Phone, string? Seller,
    bool? OptedOut)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    /// <summary>The range an export or figures cover when <c>from</c> is not given: this many hours before <c>to</c> (or
    /// now).</summary>
    public const int DefaultRangeHours = 24;

    /// <summary>This filter with a bounded range for a long read (export, figures): <c>from</c> defaults to
    /// <see cref="DefaultRangeHours"/> before <c>to</c> or now; null when the range is longer than
    /// <c>VoiceProxy:Limits:MaxReviewRangeDays</c>.</summary>
    public CallFilter? Bounded(VoiceProxyOptions options, TimeProvider time)
    {
        var to = To ?? time.GetUtcNow();
        var from = From ?? to - TimeSpan.FromHours(DefaultRangeHours);
        return to - from > TimeSpan.FromDays(options.Limits.MaxReviewRangeDays) ? null : this with { From = from };
    }

    public static Dictionary<string, string[]> RangeTooLong(VoiceProxyOptions options) => new()
    {
        ["from"] = [$"The range from 'from' to 'to' (or now) is longer than {options.Limits.MaxReviewRangeDays} days, the "
            + "most an export or figures may cover (VoiceProxy:Limits:MaxReviewRangeDays): ask for shorter ranges."],
    };

    public static (CallFilter? Filter, int Limit, CallCursor? Cursor, Dictionary<string, string[]> Errors) Parse(
        CallQuery q, VoiceProxyOptions options)
    {
        var errors = new Dictionary<string, string[]>();
        var from = Instant(q.From, "from", errors);
        var to = Instant(q.To, "to", errors);
        if (from is not null && to is not null && from >= to) errors["to"] = ["must be after 'from'."];
        var statuses = (q.Status ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct().ToList();
        if (statuses.FirstOrDefault(s => !CallStatus.All.Contains(s)) is { } unknown)
            errors["status"] =
                [$"'{unknown}' is not a status; use {string.Join(", ", CallStatus.All)} (several separated by commas)."];
        var allowed = Flag(q.Allowed, "allowed", errors);
        var optedOut = Flag(q.OptedOut, "optedOut", errors);
        if (q.Phone is not null && !Infrastructure.Phone.IsE164(q.Phone))
            errors["phone"] = ["must be an E.164 number such as +14155550123."];
        if (q.Seller is not null && options.FindSeller(q.Seller) is null)
            errors["seller"] = [$"No seller '{q.Seller}' is configured."];
        var limit = DefaultLimit;
        if (q.Limit is not null
            && (!int.TryParse(q.Limit, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
            errors["limit"] = [$"must be a whole number from 1 to {MaxLimit}."];
        CallCursor? cursor = null;
        if (q.Cursor is not null && (cursor = CallCursor.Decode(q.Cursor)) is null)
            errors["cursor"] = ["is not a cursor this API returned."];
        return errors.Count > 0 ? (null, 0, null, errors)
            : (new CallFilter(from, to, statuses, allowed, q.Phone, q.Seller, optedOut), limit, cursor, errors);
    }

    public IQueryable<CallRecord> Apply(IQueryable<CallRecord> calls)
    {
        if (From is { } from) calls = calls.Where(c => c.RequestedAt >= from);
        if (To is { } to) calls = calls.Where(c => c.RequestedAt < to);
        if (Statuses.Count > 0) calls = calls.Where(c => Statuses.Contains(c.Status));
        if (Allowed is { } allowed) calls = calls.Where(c => c.Allowed == allowed);
        if (OptedOut is { } optedOut) calls = calls.Where(c => c.OptedOut == optedOut);
        if (Phone is not null) calls = calls.Where(c => c.To == Phone);
        if (Seller is not null) calls = calls.Where(c => c.Seller == Seller);
        return calls;
    }

    /// <summary>Newest first; the id breaks ties so that the order, and so every cursor, is total and stable.</summary>
    public static IQueryable<CallRecord> NewestFirst(IQueryable<CallRecord> calls, CallCursor? after)
    {
        if (after is not null)
        {
            var (at, id) = (after.RequestedAt, after.Id);
            // EF Core translates string.Compare to SQL's '<' (ordinal for these ASCII ids); CompareOrdinal has no translation.
            // Written as a range on RequestedAt first, so the database seeks its index to the cursor and reads on from there;
            // "< at OR (= at AND …)" made SQLite gather and sort every row before the cursor for each page (each chunk of an
            // export).
#pragma warning disable CA1309
            calls = calls.Where(c => c.RequestedAt <= at && (c.RequestedAt < at || string.Compare(c.Id, id) < 0));
#pragma warning restore CA1309
        }
        return calls.OrderByDescending(c => c.RequestedAt).ThenByDescending(c => c.Id);
    }

    private static DateTimeOffset? Instant(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (text is null) return null;
        const DateTimeStyles utc = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, utc, out var at)) return at;
        errors[field] = ["must be an ISO 8601 instant such as 2026-11-30T18:00:00Z, or a date (midnight UTC)."];
        return null;
    }

    private static bool? Flag(string? text, string field, Dictionary<string, string[]> errors)
    {
        switch (text)
        {
            case null: return null;
            case "true": return true;
            case "false": return false;
            default: errors[field] = ["must be true or false."]; return null;
        }
    }
}
