using Microsoft.Extensions.Options;

namespace VoiceProxy.Lookup;

/// <summary>The <c>VoiceProxy:Lookup</c> section: Twilio Lookup v2 for reassigned numbers and line types.</summary>
public sealed class LookupOptions
{
    public const string Section = "VoiceProxy:Lookup";

    /// <summary>Whether the gate asks Lookup. Default <c>true</c>; Simulated mode answers with its own test numbers.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Ask about reassignment only when the consent (or the last verification) is at least this many days old.
    /// Default 1 (the Reassigned Numbers Database is updated daily); 0-365.</summary>
    public int ReassignedAfterDays { get; set; } = 1;

    /// <summary><c>allow</c> (default) or <c>block</c>: what a <c>no_data_available</c> answer does.</summary>
    public string NoDataAvailable { get; set; } = Allow;

    /// <summary><c>block</c> (default: fail closed) or <c>allow</c>: what happens when Lookup cannot answer.</summary>
    public string OnUnavailable { get; set; } = Block;

    /// <summary>How long an answer is reused, in hours. Default 24; 1-720.</summary>
    public int CacheHours { get; set; } = 24;

    /// <summary>How long one Lookup attempt may take, in seconds. Default 5; 1-30. A 429 is retried (up to three
    /// times).</summary>
    public int TimeoutSeconds { get; set; } = 5;

    public const string Allow = "allow";
    public const string Block = "block";
}

internal sealed class LookupOptionsValidator : IValidateOptions<LookupOptions>
{
    public ValidateOptionsResult Validate(string? name, LookupOptions o)
    {
        var errors = new List<string>();
        void Require(bool ok, string key, string message) { if (!ok) errors.Add($"{LookupOptions.Section}:{key} {message}"); }
        Require(o.ReassignedAfterDays is >= 0 and <= 365, "ReassignedAfterDays", "must be between 0 and 365.");
        Require(o.NoDataAvailable is LookupOptions.Allow or LookupOptions.Block, "NoDataAvailable", "must be allow or block.");
        Require(o.OnUnavailable is LookupOptions.Allow or LookupOptions.Block, "OnUnavailable", "must be block or allow.");
        Require(o.CacheHours is >= 1 and <= 720, "CacheHours", "must be between 1 and 720.");
        Require(o.TimeoutSeconds is >= 1 and <= 30, "TimeoutSeconds", "must be between 1 and 30.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
