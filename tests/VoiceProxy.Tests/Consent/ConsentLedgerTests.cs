using VoiceProxy.Consent;
using VoiceProxy.Data;
using VoiceProxy.Tests.Compliance;

namespace VoiceProxy.Tests.Consent;

/// <summary>docs/compliance-rules.md section 3: current consent derived from the append-only history, in the customer's
/// order.</summary>
public sealed class ConsentLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>History as written in the rows, in recording order (Id 1, 2, ...). Each entry:
    /// <c>+t:e@10</c> grant transactional express effective at T0+10 min; <c>+m:w@10</c> grant marketing express written;
    /// <c>-m@20</c> revoke marketing; <c>-*@20</c> revoke every scope (Scope null); optional <c>/30</c> = recorded at T0+30 min
    /// (default: recorded when effective).</summary>
    private static List<ConsentEntry> History(string spec) =>
        spec.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select((token, i) =>
        {
            var grant = token[0] == '+';
            var at = token.IndexOf('@', StringComparison.Ordinal);
            var what = token[1..at].Split(':');
            var times = token[(at + 1)..].Split('/');
            var effective = T0.AddMinutes(int.Parse(times[0], System.Globalization.CultureInfo.InvariantCulture));
            var recorded = times.Length > 1
                ? T0.AddMinutes(int.Parse(times[1], System.Globalization.CultureInfo.InvariantCulture)) : effective;
            return new ConsentEntry
            {
                Id = i + 1,
                Seller = GateTestData.Seller,
                Phone = "+14155550123",
                Action = grant ? ConsentAction.Grant : ConsentAction.Revoke,
                Scope = what[0] switch { "t" => Purposes.Transactional, "m" => Purposes.Marketing, _ => null },
                Kind = grant ? (what[1] == "w" ? ConsentKinds.ExpressWritten : ConsentKinds.Express) : null,
                EffectiveAt = effective,
                RecordedAt = recorded,
                RecordedBy = "test",
            };
        }).ToList();

    [Theory]
    // history, scope, expected state, expected kind, expected since (minutes after T0; null when none)
    [InlineData("", "marketing", ConsentState.None, null, null)]
    [InlineData("+t:e@0", "marketing", ConsentState.None, null, null)]
    [InlineData("+t:e@0", "transactional", ConsentState.Granted, "express", 0)]
    [InlineData("+m:w@0", "marketing", ConsentState.Granted, "express_written", 0)]
    // grant then revoke -> revoked
    [InlineData("+m:w@0 -m@10", "marketing", ConsentState.Revoked, null, 10)]
    [InlineData("+t:e@0 -t@10", "transactional", ConsentState.Revoked, null, 10)]
    // revoke then a later grant (captured after the revocation) -> granted
    [InlineData("+m:w@0 -m@10 +m:w@20", "marketing", ConsentState.Granted, "express_written", 20)]
    [InlineData("-t@10 +t:e@20", "transactional", ConsentState.Granted, "express", 20)]
    // a grant captured before the revocation but recorded after it stays revoked
    [InlineData("+m:w@0 -m@10 +m:w@5/30", "marketing", ConsentState.Revoked, null, 10)]
    [InlineData("-t@10 +t:e@5/30", "transactional", ConsentState.Revoked, null, 10)]
    // revoke-all (Scope null) covers both scopes
    [InlineData("+t:e@0 +m:w@0 -*@10", "transactional", ConsentState.Revoked, null, 10)]
    [InlineData("+t:e@0 +m:w@0 -*@10", "marketing", ConsentState.Revoked, null, 10)]
    [InlineData("+t:e@0 +m:w@0 -*@10 +t:e@20", "transactional", ConsentState.Granted, "express", 20)]
    [InlineData("+t:e@0 +m:w@0 -*@10 +t:e@20", "marketing", ConsentState.Revoked, null, 10)]
    // a scoped revocation leaves the other scope alone
    [InlineData("+t:e@0 +m:w@0 -m@10", "transactional", ConsentState.Granted, "express", 0)]
    [InlineData("+t:e@0 +m:w@0 -t@10", "marketing", ConsentState.Granted, "express_written", 0)]
    // written consent is not downgraded by a later express grant; express is upgraded by a later written one
    [InlineData("+m:w@0 +m:e@10", "marketing", ConsentState.Granted, "express_written", 0)]
    [InlineData("+m:e@0 +m:w@10", "marketing", ConsentState.Granted, "express_written", 10)]
    [InlineData("+m:e@10 +m:w@0/20", "marketing", ConsentState.Granted, "express_written", 0)]
    // at the same instant the revocation wins, whatever the recording order
    [InlineData("+m:w@10 -m@10", "marketing", ConsentState.Revoked, null, 10)]
    [InlineData("-m@10 +m:w@10", "marketing", ConsentState.Revoked, null, 10)]
    [InlineData("-*@10 +t:e@10", "transactional", ConsentState.Revoked, null, 10)]
    [InlineData("+t:e@10 -*@10", "transactional", ConsentState.Revoked, null, 10)]
    // a revocation with no earlier grant is still a revocation
    [InlineData("-*@10", "marketing", ConsentState.Revoked, null, 10)]
    public void Current_History_DerivesState(string history, string scope, ConsentState state, string? kind, int? sinceMinutes)
    {
        var status = ConsentLedger.Current(History(history), scope);

        Assert.Equal(state, status.State);
        Assert.Equal(kind, status.Kind);
        Assert.Equal(sinceMinutes is { } m ? T0.AddMinutes(m) : null, status.Since);
    }

    [Fact]
    public void Current_HistoryInAnyStoredOrder_SameResult()
    {
        var history = History("+t:e@0 +m:w@5 -*@10 +m:e@20 +m:w@15/40 +t:e@12/50");
        var expected =
            (ConsentLedger.Current(history, Purposes.Transactional), ConsentLedger.Current(history, Purposes.Marketing));

        var reversed = Enumerable.Reverse(history).ToList();
        Assert.Equal(expected,
            (ConsentLedger.Current(reversed, Purposes.Transactional), ConsentLedger.Current(reversed, Purposes.Marketing)));
        Assert.Equal(new ConsentStatus(ConsentState.Granted, ConsentKinds.Express, T0.AddMinutes(12)), expected.Item1);
        Assert.Equal(new ConsentStatus(ConsentState.Granted, ConsentKinds.ExpressWritten, T0.AddMinutes(15)), expected.Item2);
    }
}
