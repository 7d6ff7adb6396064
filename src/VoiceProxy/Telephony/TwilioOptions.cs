using Microsoft.Extensions.Options;
using VoiceProxy.Infrastructure;

namespace VoiceProxy.Telephony;

public enum TwilioMode { Live, Simulated }

/// <summary>The <c>Twilio</c> configuration section.</summary>
public sealed class TwilioOptions
{
    public const string Section = "Twilio";
    public const string SimulatedAccountSid = "AC00000000000000000000000000000000";

    /// <summary>Account SID (AC + 32 hex digits). Required in Live mode.</summary>
    public string? AccountSid { get; set; }
    /// <summary>Auth token; also validates webhook signatures. Required in Live mode.</summary>
    public string? AuthToken { get; set; }
    /// <summary>Base URL of Twilio's REST API. Default <c>https://api.twilio.com</c>; tests point it at a stand-in.</summary>
    public string ApiBaseUrl { get; set; } = "https://api.twilio.com";
    /// <summary>Base URL of Twilio Lookup. Default <c>https://lookups.twilio.com</c>; tests point it at a stand-in.</summary>
    public string LookupBaseUrl { get; set; } = "https://lookups.twilio.com";
    /// <summary><c>Live</c> or <c>Simulated</c>. Default: Live when credentials are set, else Simulated.</summary>
    public TwilioMode? Mode { get; set; }
    /// <summary>Seconds Twilio lets the phone ring. Default 30 (47 CFR 64.1200(a)(6) asks for at least 15; the validator gives
    /// the range).</summary>
    public int RingTimeoutSeconds { get; set; } = 30;

    public TwilioMode EffectiveMode =>
        Mode ?? (string.IsNullOrEmpty(AccountSid) || string.IsNullOrEmpty(AuthToken) ? TwilioMode.Simulated : TwilioMode.Live);
    public string EffectiveAccountSid => string.IsNullOrEmpty(AccountSid) ? SimulatedAccountSid : AccountSid;
    /// <summary>In Simulated mode without a token, webhooks are signed with this token: a fixed one in Development (so a
    /// developer can sign a webhook by hand), a random one per process anywhere else, so nobody outside the process can
    /// forge a webhook (an opt-out) to it.</summary>
    public string EffectiveAuthToken => string.IsNullOrEmpty(AuthToken) ? SimulatedAuthToken : AuthToken;

    /// <summary>Set at start-up by <see cref="TwilioOptionsSetup"/> from the environment.</summary>
    internal string SimulatedAuthToken { get; set; } = DevelopmentSimulatedAuthToken;

    internal const string DevelopmentSimulatedAuthToken = "simulated-auth-token";
}

/// <summary>Outside Development the simulated signing token is 256 random bits, made once per process.</summary>
internal sealed class TwilioOptionsSetup(IHostEnvironment environment) : IPostConfigureOptions<TwilioOptions>
{
    public void PostConfigure(string? name, TwilioOptions o) => o.SimulatedAuthToken = environment.IsDevelopment()
        ? TwilioOptions.DevelopmentSimulatedAuthToken
        : Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
}

internal sealed class TwilioOptionsValidator(IOptions<VoiceProxyOptions> voiceProxy, IHostEnvironment environment)
    : IValidateOptions<TwilioOptions>
{
    public ValidateOptionsResult Validate(string? name, TwilioOptions o)
    {
        var errors = new List<string>();
        // Outside Development, Simulated mode is chosen, never fallen into: missing credentials are a mistake to stop on.
        if (o.Mode is null && o.EffectiveMode == TwilioMode.Simulated && !environment.IsDevelopment())
            errors.Add("Twilio:AccountSid and Twilio:AuthToken are required outside Development; set both for Live mode, " +
                "or set Twilio:Mode=Simulated to run with no real calls.");
        if (o.EffectiveMode == TwilioMode.Live)
        {
            // Twilio's own SIDs are AC + 32 hex digits; a stand-in may use its own, so only a path-safe value is demanded.
            if (o.AccountSid is not { Length: > 0 } sid || !sid.All(char.IsAsciiLetterOrDigit))
                errors.Add("Twilio:AccountSid is required in Live mode (letters and digits, like AC0123…).");
            if (string.IsNullOrEmpty(o.AuthToken)) errors.Add("Twilio:AuthToken is required in Live mode.");
            // Twilio fetches every call's TwiML (identity, opt-out) from here: without it a real call would be placed and say
            // nothing.
            if (string.IsNullOrWhiteSpace(voiceProxy.Value.PublicBaseUrl))
                errors.Add("VoiceProxy:PublicBaseUrl is required in Live mode: Twilio reaches this service's webhooks there.");
            // Twilio's signature has no timestamp: a webhook seen in transit could be sent again, so it must not travel in
            // the clear.
            else if (!Uri.TryCreate(voiceProxy.Value.PublicBaseUrl, UriKind.Absolute, out var pub) || pub.Scheme != "https")
                errors.Add("VoiceProxy:PublicBaseUrl must be an https URL in Live mode: Twilio's signed webhooks must not " +
                    "travel in the clear.");
        }
        if (!Uri.TryCreate(o.ApiBaseUrl, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https"))
            errors.Add("Twilio:ApiBaseUrl must be an absolute http(s) URL.");
        if (!Uri.TryCreate(o.LookupBaseUrl, UriKind.Absolute, out var l) || l.Scheme is not ("http" or "https"))
            errors.Add("Twilio:LookupBaseUrl must be an absolute http(s) URL.");
        if (o.RingTimeoutSeconds is < 15 or > 60) errors.Add("Twilio:RingTimeoutSeconds must be between 15 and 60.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
