namespace VoiceProxy.Infrastructure;

/// <summary>The line types Twilio Lookup's <c>line_type_intelligence.type</c> names, spelled as Twilio spells them.</summary>
public static class LineTypes
{
    public static readonly string[] All =
    [
        "mobile", "landline", "fixedVoip", "nonFixedVoip", "tollFree", "premium", "sharedCost", "uan", "voicemail", "pager",
        "personal", "unknown",
    ];

    /// <summary>What a seller never calls unless it lists its own: numbers that are not a person's line, or that cost the
    /// caller (premium, shared cost).</summary>
    public static readonly string[] DefaultBlocked = ["tollFree", "premium", "sharedCost", "uan", "pager", "voicemail"];
}
