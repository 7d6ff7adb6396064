using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace VoiceProxy.Infrastructure;

/// <summary>The <c>VoiceProxy</c> configuration section.</summary>
public sealed class VoiceProxyOptions
{
    public const string Section = "VoiceProxy";
    // Each setting's range is written once, in VoiceProxyOptionsValidator, whose messages name it.

    /// <summary>Absolute URL at which Twilio reaches this service. Default <c>http://localhost:5080</c>; required in Live
    /// mode.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The businesses on whose behalf calls are made. At least one.</summary>
    public List<SellerOptions> Sellers { get; set; } = [];

    /// <summary>API keys. At least one.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>The keypad digit that opts out during a call. Default <c>9</c>; one of 0-9.</summary>
    public string OptOutDigit { get; set; } = "9";

    /// <summary>Registry snapshot folder and freshness.</summary>
    public RegistryOptions Registry { get; set; } = new();

    /// <summary>Frequency caps.</summary>
    public CapOptions Caps { get; set; } = new();

    /// <summary>Request size and rate limits.</summary>
    public LimitOptions Limits { get; set; } = new();

    /// <summary>The audit trail's sealer.</summary>
    public AuditOptions Audit { get; set; } = new();

    /// <summary>How events are sent to the sellers' apps.</summary>
    public EventDeliveryOptions Events { get; set; } = new();

    /// <summary>Folder of TwiML message templates. Default: the <c>twiml-templates</c> folder copied beside the
    /// program.</summary>
    public string? TemplatesPath { get; set; }

    public SellerOptions? FindSeller(string id) => Sellers.FirstOrDefault(s => s.Id == id);

    /// <summary>Where Twilio's webhooks reach this service, without a trailing slash. Live mode requires PublicBaseUrl; the
    /// local default serves Simulated mode, whose stand-in calls back here.</summary>
    public string WebhookBaseUrl =>
        (string.IsNullOrWhiteSpace(PublicBaseUrl) ? "http://localhost:5080" : PublicBaseUrl).TrimEnd('/');

    /// <summary>Settings that work but fall short of good practice or of a rule's letter: start-up says so, loudly.</summary>
    public IEnumerable<string> Advisories()
    {
        for (var i = 0; i < Sellers.Count; i++)
        {
            var s = Sellers[i];
            if (s.CallerIds.Contains(s.CallbackNumber))
                yield return $"{Section}:Sellers:{i}:CallbackNumber is also a caller ID; " +
                    "the callback number should not be the number that placed the call (47 CFR 64.1200(b)(2)).";
            if (s.OptOutNumber is null)
                yield return $"{Section}:Sellers:{i}:OptOutNumber is not set; voicemail messages give the callback number " +
                    "instead of a toll-free automated opt-out line (47 CFR 64.1200(b)(3)).";
            else if (!s.HasTollFreeOptOutLine)
                yield return $"{Section}:Sellers:{i}:OptOutNumber is not toll-free; " +
                    "47 CFR 64.1200(b)(3) asks for a toll-free number that reaches the automated opt-out.";
        }
        // Outside Development a weak key stops start-up (VoiceProxyOptionsValidator); in Development it is only said.
        for (var i = 0; i < ApiKeys.Count; i++)
            if (ApiKeys[i].Key is { Length: > 0 } key && KeyStrength.EstimateBits(key) < KeyStrength.MinimumBits)
                yield return $"{Section}:ApiKeys:{i}:Key is weak (about {KeyStrength.EstimateBits(key):0} bits, fewer than " +
                    $"{KeyStrength.MinimumBits}); outside Development start-up refuses it: {KeyStrength.HowToMakeOne}.";
    }
}

public sealed class SellerOptions
{
    public string Id { get; set; } = "";
    public string LegalName { get; set; } = "";
    /// <summary>E.164 number at which a person can make a do-not-call request.</summary>
    public string CallbackNumber { get; set; } = "";
    /// <summary>The seller's own E.164 numbers that may appear as caller ID; the first is the default.</summary>
    public List<string> CallerIds { get; set; } = [];
    /// <summary>Default <c>en-US</c>.</summary>
    public string DefaultLanguage { get; set; } = "en-US";
    /// <summary>Toll-free number that reaches the automated opt-out line. Optional.</summary>
    public string? OptOutNumber { get; set; }
    /// <summary>The postal address at which the seller can be reached, which a prerecorded call to a Canadian number must give
    /// (CRTC Unsolicited Telecommunications Rules, Part IV). Optional; without it calls to Canadian numbers are blocked
    /// (<c>mailing_address_missing</c>). At most 200 characters, one line.</summary>
    public string? MailingAddress { get; set; }

    /// <summary>Whether <see cref="OptOutNumber"/> is toll-free (47 CFR 64.1200(b)(3)): parsed once, read on every
    /// decision.</summary>
    public bool HasTollFreeOptOutLine =>
        _tollFreeOptOutLine ??= OptOutNumber is { } line && Phone.TypeOf(line) == PhoneNumbers.PhoneNumberType.TOLL_FREE;

    private bool? _tollFreeOptOutLine;
    /// <summary>Whether express written marketing consent lifts the national and state registries for this seller. Default
    /// <c>true</c>.</summary>
    public bool WrittenConsentExemptsRegistry { get; set; } = true;
    /// <summary>Line types (as Twilio Lookup names them) this seller never calls. Default: <see
    /// cref="LineTypes.DefaultBlocked"/>; a list given here replaces it.</summary>
    public List<string>? BlockedLineTypes { get; set; }

    public IReadOnlyList<string> EffectiveBlockedLineTypes => BlockedLineTypes ?? [.. LineTypes.DefaultBlocked];

    /// <summary>Where the seller's app hears about its calls, opt-outs and lists (signed event webhooks).</summary>
    public List<WebhookSubscriptionOptions> Webhooks { get; set; } = [];
}

/// <summary>One subscription of a seller's app to events: where they are sent, the secret they are signed with, which
/// ones.</summary>
public sealed class WebhookSubscriptionOptions
{
    public const string SecretPrefix = "whsec_";
    public string Url { get; set; } = "";
    /// <summary><c>whsec_</c> followed by base64 of 24-64 random bytes.</summary>
    public string Secret { get; set; } = "";
    /// <summary>The event types sent; empty: all.</summary>
    public List<string> Events { get; set; } = [];

    /// <summary>A stable name for the subscription, kept with each delivery: a digest of the seller and the URL, so a
    /// delivery never goes to another URL than the one it was written for, whatever the order of the list.</summary>
    public string IdFor(string seller) =>
        "sub_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{seller}\n{Url}")))[..16];

    public bool Wants(string type) => Events.Count == 0 || Events.Contains(type);

    /// <summary>The secret's key bytes, or null when it is not <c>whsec_</c> and base64 of 24-64 bytes.</summary>
    public byte[]? SecretBytes() =>
        Secret.StartsWith(SecretPrefix, StringComparison.Ordinal)
        && Secrets.FromBase64(Secret[SecretPrefix.Length..]) is { Length: >= 24 and <= 64 } bytes ? bytes : null;
}

/// <summary>The event types sent to sellers' apps.</summary>
public static class AppEventTypes
{
    public const string CallPlaced = "call.placed";
    public const string CallBlocked = "call.blocked";
    public const string CallFinished = "call.finished";
    public const string CallOptedOut = "call.opted_out";
    public const string ConsentRevoked = "consent.revoked";
    public const string DncAdded = "dnc.added";
    public const string DncRemoved = "dnc.removed";
    public static readonly string[] All =
        [CallPlaced, CallBlocked, CallFinished, CallOptedOut, ConsentRevoked, DncAdded, DncRemoved];
}

public sealed class EventDeliveryOptions
{
    /// <summary>Requests one instance sends at once to one subscription. Default 8.</summary>
    public int ConcurrencyPerSubscription { get; set; } = 8;
}

/// <summary>What a key may do: place calls and manage its seller's lists, review every seller, or also administer.</summary>
public enum ApiRole { Caller = 1, Supervisor, Admin }

public sealed class ApiKeyOptions
{
    public string Name { get; set; } = "";
    /// <summary>The key in plain text; or give <see cref="KeySha256"/> instead.</summary>
    public string? Key { get; set; }
    /// <summary>Hex SHA-256 of the key.</summary>
    public string? KeySha256 { get; set; }
    public ApiRole Role { get; set; }
    /// <summary>The seller a <c>Caller</c> key belongs to.</summary>
    public string? Seller { get; set; }

    public byte[] Hash() => KeySha256 is { Length: > 0 }
        ? Convert.FromHexString(KeySha256)
        : SHA256.HashData(Encoding.UTF8.GetBytes(Key ?? ""));
}

public sealed class RegistryOptions
{
    /// <summary>Folder of registry snapshots. Default <c>registry-data</c> under the working directory.</summary>
    public string Path { get; set; } = "registry-data";
    /// <summary>Oldest registry copy that may be used, in days. Default 31 (47 CFR 64.1200(c)(2)(i)(D)).</summary>
    public int MaxAgeDays { get; set; } = 31;
}

public sealed class CapOptions
{
    /// <summary>Marketing calls per seller and number in a rolling 24 hours. Default 3 (Fla. Stat. 501.616(6)(b)).</summary>
    public int MarketingPer24Hours { get; set; } = 3;
    /// <summary>Transactional calls per seller and number in a rolling window. Default 5.</summary>
    public int TransactionalMaxCalls { get; set; } = 5;
    /// <summary>The transactional window in hours. Default 24.</summary>
    public int TransactionalWindowHours { get; set; } = 24;
}

public sealed class AuditOptions
{
    /// <summary>How often committed audit events are sealed into the hash chain, in milliseconds. Default 250.</summary>
    public int SealIntervalMilliseconds { get; set; } = 250;
    /// <summary>The sealing key: base64 of at least 32 random bytes. Or give <see cref="KeyFile"/>. Required outside
    /// Development and Testing.</summary>
    public string? Key { get; set; }
    /// <summary>A file holding the sealing key as base64 text (what <c>openssl rand -base64 32</c> prints).</summary>
    public string? KeyFile { get; set; }
    /// <summary>Earlier sealing keys (base64), used only to verify what they sealed.</summary>
    public List<string> RetiredKeys { get; set; } = [];
    /// <summary>Folder the signed checkpoints of the chain's head are written to. Optional.</summary>
    public string? CheckpointDirectory { get; set; }
    /// <summary>How often a checkpoint is written when the head has moved, in seconds. Default 300.</summary>
    public int CheckpointIntervalSeconds { get; set; } = 300;
}

public sealed class LimitOptions
{
    /// <summary>Largest request body accepted, in bytes. Default 65536.</summary>
    public int MaxBodyBytes { get; set; } = 65536;
    /// <summary>Requests per second each API key may make on average. Default 50.</summary>
    public int PermitsPerSecond { get; set; } = 50;
    /// <summary>Requests an API key may make at once above the average. Default 100.</summary>
    public int Burst { get; set; } = 100;
    /// <summary>Per-client-address limits on what carries no valid key: failures, sign-in and health.</summary>
    public AnonymousLimitOptions Anonymous { get; set; } = new();
    /// <summary>Exports, figures and audit verifications one key may run at once. Default 2.</summary>
    public int ConcurrentLongReadsPerKey { get; set; } = 2;
    /// <summary>Longest range an export or figures request may cover, in days. Default 31.</summary>
    public int MaxReviewRangeDays { get; set; } = 31;
    /// <summary>Most rows one scrub may have (one more is 413). Default 1,000,000; 1-1,000,000.</summary>
    public int MaxScrubRows { get; set; } = 1_000_000;
}

/// <summary>Limits per client address (after the trusted proxies' X-Forwarded-For) on traffic without a valid key. Only
/// failures count (a missing or unknown key, a bad webhook signature, a refused sign-in), so an address that also sends
/// valid keys or validly signed webhooks is never slowed by them.</summary>
public sealed class AnonymousLimitOptions
{
    /// <summary>Failures an address may make at once before it gets 429. Default 30.</summary>
    public int FailureBurst { get; set; } = 30;
    /// <summary>Failures per minute an address earns back. Default 30.</summary>
    public int FailuresPerMinute { get; set; } = 30;
    /// <summary>Requests per second an address may make to /health/* on average. Default 50.</summary>
    public int HealthPermitsPerSecond { get; set; } = 50;
    /// <summary>Requests an address may make to /health/* at once above the average. Default 100.</summary>
    public int HealthBurst { get; set; } = 100;
    /// <summary>Refused supervisor sign-ins an address may make before it is locked out. Default 5.</summary>
    public int SignInFreeFailures { get; set; } = 5;
    /// <summary>The first sign-in lock-out, in seconds; each further refusal doubles it. Default 2.</summary>
    public int SignInLockoutSeconds { get; set; } = 2;
    /// <summary>The longest sign-in lock-out, in seconds. Default 900.</summary>
    public int SignInMaxLockoutSeconds { get; set; } = 900;
}

internal sealed class VoiceProxyOptionsValidator(IHostEnvironment environment) : IValidateOptions<VoiceProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, VoiceProxyOptions o)
    {
        var errors = new List<string>();
        void Require(bool ok, string key, string message) { if (!ok) errors.Add($"{VoiceProxyOptions.Section}:{key} {message}"); }

        if (!string.IsNullOrWhiteSpace(o.PublicBaseUrl))
            Require(Uri.TryCreate(o.PublicBaseUrl, UriKind.Absolute, out var u) && u.Scheme is "http" or "https",
                "PublicBaseUrl", "must be an absolute http(s) URL.");
        Require(o.Sellers.Count > 0, "Sellers", "must name at least one seller.");
        for (var i = 0; i < o.Sellers.Count; i++)
        {
            var s = o.Sellers[i];
            Require(s.Id.Length > 0, $"Sellers:{i}:Id", "is required.");
            Require(o.Sellers.Count(x => x.Id == s.Id) == 1, $"Sellers:{i}:Id", $"'{s.Id}' is used twice.");
            Require(s.LegalName.Trim().Length > 0, $"Sellers:{i}:LegalName", "is required.");
            Require(Phone.IsE164(s.CallbackNumber), $"Sellers:{i}:CallbackNumber", "must be an E.164 number.");
            Require(s.CallerIds.Count > 0, $"Sellers:{i}:CallerIds", "must list at least one number.");
            for (var j = 0; j < s.CallerIds.Count; j++)
                Require(Phone.IsE164(s.CallerIds[j]), $"Sellers:{i}:CallerIds:{j}", "must be an E.164 number.");
            Require(Phone.TypeOf(s.CallbackNumber) != PhoneNumbers.PhoneNumberType.PREMIUM_RATE,
                $"Sellers:{i}:CallbackNumber", "may not be a 900 number (47 CFR 64.1200(b)(2)).");
            Require(s.OptOutNumber is null
                || (Phone.IsE164(s.OptOutNumber) && Phone.TypeOf(s.OptOutNumber) != PhoneNumbers.PhoneNumberType.PREMIUM_RATE),
                $"Sellers:{i}:OptOutNumber", "must be an E.164 number, not a 900 number.");
            Require(s.MailingAddress is null
                || (s.MailingAddress.Trim().Length is > 0 and <= 200 && !s.MailingAddress.Any(char.IsControl)),
                $"Sellers:{i}:MailingAddress", "must be 1-200 characters on one line when set.");
            for (var j = 0; j < (s.BlockedLineTypes?.Count ?? 0); j++)
                Require(LineTypes.All.Contains(s.BlockedLineTypes![j]), $"Sellers:{i}:BlockedLineTypes:{j}",
                    $"must be one of {string.Join(", ", LineTypes.All)}.");
            Require(Languages.IsSupported(s.DefaultLanguage),
                $"Sellers:{i}:DefaultLanguage", $"must be one of {string.Join(", ", Languages.All)}.");
            for (var j = 0; j < s.Webhooks.Count; j++) ValidateWebhook(s.Webhooks[j], $"Sellers:{i}:Webhooks:{j}", Require);
            Require(s.Webhooks.DistinctBy(h => h.Url).Count() == s.Webhooks.Count, $"Sellers:{i}:Webhooks", "lists a URL twice.");
        }
        Require(o.ApiKeys.Count > 0, "ApiKeys", "must list at least one key.");
        for (var i = 0; i < o.ApiKeys.Count; i++)
        {
            var k = o.ApiKeys[i];
            Require(k.Name.Length > 0, $"ApiKeys:{i}:Name", "is required.");
            Require(k.Key is { Length: > 0 } ^ k.KeySha256 is { Length: > 0 },
                $"ApiKeys:{i}:Key", "or KeySha256 is required (exactly one).");
            var wellFormed = string.IsNullOrEmpty(k.KeySha256) || (k.KeySha256.Length == 64 && k.KeySha256.All(Uri.IsHexDigit));
            Require(wellFormed, $"ApiKeys:{i}:KeySha256", $"must be 64 hex digits: {KeyStrength.HowToMakeOne}.");
            // Guessable keys (a placeholder, a well-known key, under 128 bits) are for development only.
            if (wellFormed && (k.Key is { Length: > 0 } ^ k.KeySha256 is { Length: > 0 }) && !environment.IsDevelopment()
                && KeyStrength.Weakness(k) is { } weakness)
                Require(false, $"ApiKeys:{i}:{(k.KeySha256 is { Length: > 0 } ? "KeySha256" : "Key")}",
                    $"{weakness}, which is refused outside Development: {KeyStrength.HowToMakeOne}.");
            Require(Enum.IsDefined(k.Role), $"ApiKeys:{i}:Role", "must be Caller, Supervisor or Admin.");
            if (k.Role == ApiRole.Caller)
                Require(k.Seller is not null && o.FindSeller(k.Seller) is not null,
                    $"ApiKeys:{i}:Seller", "must name a configured seller for a Caller key.");
        }
        Require(o.OptOutDigit is { Length: 1 } && char.IsAsciiDigit(o.OptOutDigit[0]), "OptOutDigit", "must be one digit 0-9.");
        Require(o.Registry.MaxAgeDays is >= 1 and <= 31, "Registry:MaxAgeDays", "must be between 1 and 31.");
        Require(o.Registry.Path.Length > 0, "Registry:Path", "is required.");
        Require(o.Caps.MarketingPer24Hours is >= 1 and <= 3, "Caps:MarketingPer24Hours", "must be between 1 and 3.");
        Require(o.Caps.TransactionalMaxCalls is >= 1 and <= 100, "Caps:TransactionalMaxCalls", "must be between 1 and 100.");
        Require(o.Caps.TransactionalWindowHours is >= 1 and <= 720,
            "Caps:TransactionalWindowHours", "must be between 1 and 720.");
        Require(o.Limits.MaxBodyBytes is >= 1024 and <= 1048576, "Limits:MaxBodyBytes", "must be between 1024 and 1048576.");
        Require(o.Limits.PermitsPerSecond is >= 1 and <= 100000, "Limits:PermitsPerSecond", "must be between 1 and 100000.");
        Require(o.Limits.Burst is >= 1 and <= 100000, "Limits:Burst", "must be between 1 and 100000.");
        var a = o.Limits.Anonymous;
        Require(a.FailureBurst is >= 1 and <= 100000, "Limits:Anonymous:FailureBurst", "must be between 1 and 100000.");
        Require(a.FailuresPerMinute is >= 1 and <= 1000000,
            "Limits:Anonymous:FailuresPerMinute", "must be between 1 and 1000000.");
        Require(a.HealthPermitsPerSecond is >= 1 and <= 100000,
            "Limits:Anonymous:HealthPermitsPerSecond", "must be between 1 and 100000.");
        Require(a.HealthBurst is >= 1 and <= 100000, "Limits:Anonymous:HealthBurst", "must be between 1 and 100000.");
        Require(a.SignInFreeFailures is >= 1 and <= 1000, "Limits:Anonymous:SignInFreeFailures", "must be between 1 and 1000.");
        Require(a.SignInLockoutSeconds is >= 1 and <= 3600,
            "Limits:Anonymous:SignInLockoutSeconds", "must be between 1 and 3600.");
        Require(a.SignInMaxLockoutSeconds >= a.SignInLockoutSeconds && a.SignInMaxLockoutSeconds <= 86400,
            "Limits:Anonymous:SignInMaxLockoutSeconds", "must be between SignInLockoutSeconds and 86400.");
        Require(o.Limits.ConcurrentLongReadsPerKey is >= 1 and <= 100,
            "Limits:ConcurrentLongReadsPerKey", "must be between 1 and 100.");
        Require(o.Limits.MaxReviewRangeDays is >= 1 and <= 366, "Limits:MaxReviewRangeDays", "must be between 1 and 366.");
        Require(o.Limits.MaxScrubRows is >= 1 and <= 1_000_000, "Limits:MaxScrubRows", "must be between 1 and 1000000.");
        Require(o.Audit.SealIntervalMilliseconds is >= 10 and <= 3_600_000,
            "Audit:SealIntervalMilliseconds", "must be between 10 and 3600000.");
        Require(o.Audit.CheckpointIntervalSeconds is >= 1 and <= 86_400,
            "Audit:CheckpointIntervalSeconds", "must be between 1 and 86400.");
        Require(o.Events.ConcurrencyPerSubscription is >= 1 and <= 64,
            "Events:ConcurrencyPerSubscription", "must be between 1 and 64.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>An https URL (http only to a loopback address in Development and Testing, for a local app), a whsec_ secret,
    /// known event types.</summary>
    private void ValidateWebhook(WebhookSubscriptionOptions h, string key, Action<bool, string, string> require)
    {
        var local = environment.IsDevelopment() || environment.IsEnvironment("Testing");
        var url = Uri.TryCreate(h.Url, UriKind.Absolute, out var u) ? u : null;
        require(url is not null && (url.Scheme == "https" || (url.Scheme == "http" && local && url.IsLoopback))
            && url.UserInfo.Length == 0 && url.Fragment.Length == 0,
            $"{key}:Url", local ? "must be an absolute https URL (or http to a loopback address), without user name or fragment."
                : "must be an absolute https URL without user name or fragment.");
        require(h.SecretBytes() is not null, $"{key}:Secret", "must be whsec_ followed by base64 of 24 to 64 random bytes: " +
            "whsec_$(openssl rand -base64 32).");
        for (var k = 0; k < h.Events.Count; k++)
            require(AppEventTypes.All.Contains(h.Events[k]), $"{key}:Events:{k}",
                $"must be one of {string.Join(", ", AppEventTypes.All)}.");
    }
}
