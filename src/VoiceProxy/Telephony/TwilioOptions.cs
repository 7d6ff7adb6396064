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
    /// <summary><c>Live</c> or <c>Simulated</c>. Default: Live when credentials are set, else Simulated.</summary>
    public TwilioMode? Mode { get; set; }
    /// <summary>Seconds Twilio lets the phone ring. Default 30 (47 CFR 64.1200(a)(6) asks for at least 15; the validator gives
    /// the range).</summary>
    public int RingTimeoutSeconds { get; set; } = 30;

    public TwilioMode EffectiveMode =>
        Mode ?? (string.IsNullOrEmpty(AccountSid) || string.IsNullOrEmpty(AuthToken) ? TwilioMode.Simulated : TwilioMode.Live);
    public string EffectiveAccountSid => string.IsNullOrEmpty(AccountSid) ? SimulatedAccountSid : AccountSid;
    /// <summary>In Simulated mode without a token, webhooks are signed with this development-only token.</summary>
    public string EffectiveAuthToken => string.IsNullOrEmpty(AuthToken) ? "simulated-auth-token" : AuthToken;
}

internal sealed class TwilioOptionsValidator(IOptions<VoiceProxyOptions> voiceProxy) : IValidateOptions<TwilioOptions>
{
    public ValidateOptionsResult Validate(string? name, TwilioOptions o)
    {
        var errors = new List<string>();
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
        }
        if (!Uri.TryCreate(o.ApiBaseUrl, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https"))
            errors.Add("Twilio:ApiBaseUrl must be an absolute http(s) URL.");
        if (o.RingTimeoutSeconds is < 15 or > 60) errors.Add("Twilio:RingTimeoutSeconds must be between 15 and 60.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
