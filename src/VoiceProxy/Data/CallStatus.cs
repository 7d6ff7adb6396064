namespace VoiceProxy.Data;

/// <summary>The statuses a call record moves through: ours before Twilio answers (<c>blocked</c>, <c>queued</c>, <c>unknown</c>),
/// then Twilio's own call statuses.</summary>
public static class CallStatus
{
    public const string Blocked = "blocked";
    public const string Queued = "queued";
    /// <summary>Twilio's answer to the create-call request was lost: a call may exist, and the reconciler asks Twilio.</summary>
    public const string Unknown = "unknown";
    public const string Initiated = "initiated";
    public const string Ringing = "ringing";
    public const string InProgress = "in-progress";
    public const string Completed = "completed";
    public const string Busy = "busy";
    public const string NoAnswer = "no-answer";
    public const string Failed = "failed";
    public const string Canceled = "canceled";

    public static readonly string[] All =
        [Blocked, Queued, Initiated, Ringing, InProgress, Completed, Busy, NoAnswer, Failed, Canceled, Unknown];

    /// <summary>Final statuses: nothing after one of them changes the call.</summary>
    public static readonly string[] Terminal = [Completed, Busy, NoAnswer, Failed, Canceled];

    public static bool IsTerminal(string status) => Terminal.Contains(status);
}
