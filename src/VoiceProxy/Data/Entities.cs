namespace VoiceProxy.Data;

/// <summary>One requested call: the request, the decision taken on it and what Twilio reported.</summary>
public sealed class CallRecord
{
    public required string Id { get; init; }
    public required string Seller { get; init; }
    public required string To { get; init; }
    public required string From { get; init; }
    public required string Purpose { get; init; }
    public required string Template { get; init; }
    public required string Language { get; init; }
    public required string VariablesJson { get; init; }
    public string? CustomerState { get; init; }
    public string? CustomerTimeZone { get; init; }
    public required bool Allowed { get; init; }
    public required string DecisionJson { get; init; }
    /// <summary>The facts the decision was made on, in the compact form of Compliance/KeptFacts (replay takes the decision
    /// again on them); null for calls recorded before facts were kept, and once the person's data is erased (they say where
    /// the customer is).</summary>
    public string? FactsJson { get; init; }
    /// <summary>The rule book that decided (label@hash prefix); null for calls decided before rule books had versions.</summary>
    public string? RulesVersion { get; init; }
    /// <summary>Whose rules decided (US or CA, by the area code); null when the area code is unknown and for calls decided
    /// before Canada was known.</summary>
    public string? Jurisdiction { get; init; }
    /// <summary>A blocked call's distinct reason codes in the decision's order, separated by spaces (what the review list,
    /// export and figures read instead of the decision); null for an allowed call.</summary>
    public string? ReasonCodes { get; init; }
    public string? IdempotencyKey { get; init; }
    public string? RequestHash { get; init; }
    public required string Status { get; set; }
    public string? AnsweredBy { get; set; }
    public int? DurationSeconds { get; set; }
    public string? TwilioCallSid { get; set; }
    public bool OptedOut { get; set; }
    public int LastSequenceNumber { get; set; } = -1;
    /// <summary>When the call was answered (Twilio's timestamp of the in-progress status callback), in Unix milliseconds, so
    /// that the figures can subtract it in SQL on both providers.</summary>
    public long? AnsweredAtUnixMs { get; set; }
    /// <summary>When the message's first word was sent to Twilio (the voice webhook's TwiML), in Unix milliseconds; null for
    /// a call that heard no message or reached a machine. Minus <see cref="AnsweredAtUnixMs"/>: how long the person waited
    /// (47 CFR 64.1200(a)(7): at most 2 s).</summary>
    public long? FirstWordAtUnixMs { get; set; }
    public required DateTimeOffset RequestedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<CallEvent> Events { get; init; } = [];
}

/// <summary>An entry on a call's timeline. Append-only.</summary>
public sealed class CallEvent
{
    public long Id { get; init; }
    public required string CallId { get; init; }
    public required DateTimeOffset At { get; init; }
    public required string Type { get; init; }
    public required string DetailJson { get; init; }
    /// <summary>For a webhook's events: a digest of what Twilio signed (URL and form), so a redelivered or copied webhook is
    /// recorded once.</summary>
    public string? DedupKey { get; init; }
}

/// <summary>A signed webhook that was acted on without a call record to hang its events on (the opt-out line's
/// confirmation): its key, a digest of what Twilio signed, makes a copy of it change nothing.</summary>
public sealed class WebhookDelivery
{
    public required string Key { get; init; }
    public required string Hook { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>A supervisor page session, checked on every request. Holds digests, not secrets: of the session id the cookie
/// carries, and of the key that opened it.</summary>
public sealed class SessionRecord
{
    public required string IdHash { get; init; }
    public required string KeyName { get; init; }
    public required string KeyDigest { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    /// <summary>The absolute end, however active the session.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }
    /// <summary>When it was signed out.</summary>
    public DateTimeOffset? EndedAt { get; set; }
}

/// <summary>A consent grant or revocation. Append-only: a revocation is a new entry.</summary>
public sealed class ConsentEntry
{
    public long Id { get; init; }
    public required string Seller { get; init; }
    public required string Phone { get; init; }
    public required ConsentAction Action { get; init; }
    /// <summary>null on a revocation of every scope.</summary>
    public string? Scope { get; init; }
    public string? Kind { get; init; }
    /// <summary>When it was given or revoked: the customer's moment, which orders the history.</summary>
    public required DateTimeOffset EffectiveAt { get; init; }
    public required DateTimeOffset RecordedAt { get; init; }
    public string? Source { get; init; }
    public string? Channel { get; init; }
    public string? Note { get; init; }
    public string? EvidenceJson { get; init; }
    public required string RecordedBy { get; init; }
}

public enum ConsentAction { Grant = 1, Revoke = 2 }

/// <summary>A change to a seller's internal do-not-call list. Append-only: removal is a new entry.</summary>
public sealed class DncEntry
{
    public long Id { get; init; }
    public required string Seller { get; init; }
    public required string Phone { get; init; }
    public required DncAction Action { get; init; }
    public required string Reason { get; init; }
    public required DateTimeOffset At { get; init; }
    public required string RecordedBy { get; init; }
}

public enum DncAction { Add = 1, Remove = 2 }

/// <summary>One audit event. Append-only. <see cref="Id"/> is its sequence number, given at commit; the sealer later gives it
/// its <see cref="Position"/> in the hash chain and <see cref="Hash"/>, which chains it to the event before it.</summary>
public sealed class AuditEvent
{
    public long Id { get; init; }
    /// <summary>Null until sealed; then 1, 2, 3, … in chain order.</summary>
    public long? Position { get; init; }
    public required DateTimeOffset At { get; init; }
    public required string Type { get; init; }
    public required string Actor { get; init; }
    public string? Seller { get; init; }
    public string? Subject { get; init; }
    public required string PayloadJson { get; init; }
    public string? PreviousHash { get; init; }
    public string? Hash { get; init; }
}

/// <summary>One pass of the sealer: the chain positions it sealed and the chain's head hash after them.</summary>
public sealed class AuditSeal
{
    public long Id { get; init; }
    public required DateTimeOffset At { get; init; }
    public required long FirstPosition { get; init; }
    public required long LastPosition { get; init; }
    public required string HeadHash { get; init; }
    /// <summary>Names the key that sealed these positions (a digest of it, never the key): see AuditKey.Id.</summary>
    public string KeyId { get; init; } = "";
}

/// <summary>Local dates (inclusive) on which calls into a state are banned, declared at run time (an emergency, a
/// proclaimed holiday). Never deleted: ending one early sets <see cref="EndedAt"/>, once.</summary>
public sealed class RestrictedDate
{
    /// <summary>Made by the instance that adds it (a version-7 GUID), so its audit event can name it in the same unit.</summary>
    public required string Id { get; init; }
    public required string State { get; init; }
    public required DateOnly From { get; init; }
    public required DateOnly To { get; init; }
    /// <summary><c>any</c> or <c>marketing</c>.</summary>
    public required string AppliesTo { get; init; }
    public required string Citation { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required string CreatedBy { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public string? EndedBy { get; init; }
    public string? EndReason { get; init; }
}

/// <summary>A rule book's content under its version (RuleBook.Version), stored the first time a server ran with it, so a
/// past decision can be re-decided under the rule book that took it, or any other, by name. Never changed.</summary>
public sealed class StoredRuleBook
{
    public required string Version { get; init; }
    public required string Label { get; init; }
    public required string Sha256 { get; init; }
    public required string Content { get; init; }
    public required DateTimeOffset FirstUsedAt { get; init; }
}

/// <summary>One event on its way to one subscription of the seller's app: the transactional outbox. Written in the same unit
/// of the group commit as the change it reports; sent later by the dispatcher, which leases it while it tries.</summary>
public sealed class EventDelivery
{
    public long Id { get; init; }
    /// <summary><c>evt_…</c>: the event's id and its <c>webhook-id</c>, the same on every attempt.</summary>
    public required string EventId { get; init; }
    public required string Seller { get; init; }
    public required string Type { get; init; }
    /// <summary>The subscription's stable name (a digest of seller and URL); its URL and secret come from
    /// configuration.</summary>
    public required string Subscription { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>The JSON sent, written once; null once the person's data was erased.</summary>
    public string? Body { get; set; }
    /// <summary>The pseudonym of the person the event names, so an erasure finds it.</summary>
    public string? Person { get; init; }
    public required string Status { get; set; }
    public int Attempts { get; set; }
    public required DateTimeOffset NextAttemptAt { get; set; }
    /// <summary>While set and in the future, one dispatcher is sending it and no other takes it.</summary>
    public DateTimeOffset? LeaseUntil { get; set; }
    public DateTimeOffset? LastAttemptAt { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    /// <summary>The attempts, oldest first: <c>[{ "at", "statusCode", "error", "milliseconds" }]</c>.</summary>
    public string AttemptsJson { get; set; } = "[]";
}

/// <summary>A subscription the receiver turned away for good (410 Gone): nothing more is sent to it until an Admin retries
/// one of its deliveries.</summary>
public sealed class DisabledSubscription
{
    public required string Subscription { get; init; }
    public required string Seller { get; init; }
    public required DateTimeOffset DisabledAt { get; init; }
    public required string Reason { get; init; }
}
