using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Text.Json.Nodes;
using VoiceProxy.DoNotCall;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace VoiceProxy.Tests.Deployment;

/// <summary>Two real VoiceProxy processes on one PostgreSQL database, as behind a load balancer: every request pair for one
/// number or one idempotency key is split across them. WireMock stands in for Twilio (Live mode, made-up credentials).</summary>
public sealed class TwoInstancesTests(TwoInstances instances) : IClassFixture<TwoInstances>
{
    private const string CallerKey = TwoInstances.CallerKey;
    private const string SupervisorKey = TwoInstances.SupervisorKey;
    private static readonly TimeSpan Bound = TwoInstances.Bound;
    private ServiceProcess A => instances.A;
    private ServiceProcess B => instances.B;

    private static HttpClient Client(ServiceProcess service, string key) => service.Client(key, Bound);

    private int CreateCallsTo(string phone) => instances.Twilio.LogEntries.Count(e => e.RequestMessage.Method == "POST"
        && e.RequestMessage.Path.EndsWith("/Calls.json", StringComparison.Ordinal)
            && e.RequestMessage.Body!.Contains("To=" + Uri.EscapeDataString(phone), StringComparison.Ordinal));

    [Fact]
    public async Task ConcurrentRequestsSplitAcrossTwoInstances_ExactCapsOneCallPerKeyOptOutSeenByBothChainVerifies()
    {
        var npa = RealClock.Chosen.Npa;
        using var callerA = Client(A, CallerKey);
        using var callerB = Client(B, CallerKey);
        var capped = Enumerable.Range(0, 4).Select(i => $"+1{npa}555{i:D4}").ToList();
        var keyed = Enumerable.Range(10, 8).Select(i => $"+1{npa}555{i:D4}").ToList();
        foreach (var (phone, i) in capped.Concat(keyed).Select((p, i) => (p, i)))
            Assert.Equal(HttpStatusCode.Created,
                (await (i % 2 == 0 ? callerA : callerB).PostJsonAsync("/v1/consents",
                new { phone, scope = "transactional", kind = "express" })).Status);

        // Caps: ten requests per number, alternating instances, all at once; the cap is 3 per number.
        var capTasks = capped.SelectMany(phone => Enumerable.Range(0, 10)
            .Select(i => (phone, task: (i % 2 == 0 ? callerA : callerB).PostJsonAsync("/v1/calls",
            ApiHelpers.OrderUpdate(phone))))).ToList();
        // Idempotency: six requests per key, alternating instances, at the same time as the capped ones.
        var keyTasks = keyed.SelectMany(phone => Enumerable.Range(0, 6)
            .Select(i => (phone, task: PostWithKeyAsync(i % 2 == 0 ? callerA : callerB, phone)))).ToList();
        await Task.WhenAll(capTasks.Select(t => t.task).Concat(keyTasks.Select(t => t.task))).WaitAsync(Bound);
        var capResults = new List<(string Phone, HttpStatusCode Status, JsonNode Body)>();
        foreach (var (phone, task) in capTasks) { var (s, b) = await task; capResults.Add((phone, s, b)); }
        var keyResults = new List<(string Phone, HttpStatusCode Status, JsonNode Body)>();
        foreach (var (phone, task) in keyTasks) { var (s, b) = await task; keyResults.Add((phone, s, b)); }

        foreach (var phone in capped)
        {
            var results = capResults.Where(t => t.Phone == phone).ToList();
            Assert.Equal(3, results.Count(r => r.Status == HttpStatusCode.Created));
            Assert.Equal(7, results.Count(r => r.Status == (HttpStatusCode)422
                && r.Body.ReasonCodes().SequenceEqual(["frequency_cap"])));
            Assert.Equal(3, CreateCallsTo(phone));
        }
        foreach (var phone in keyed)
        {
            var results = keyResults.Where(t => t.Phone == phone).ToList();
            Assert.All(results, r => Assert.Equal(HttpStatusCode.Created, r.Status));
            Assert.Single(results.Select(r => (string?)r.Body["id"]).Distinct());
            Assert.Single(results.Select(r => (string?)r.Body["twilioCallSid"]).Distinct());
            Assert.Equal(1, CreateCallsTo(phone));
        }

        // Opt-out: a keypress on a call placed through one instance, delivered (signed) to the other; the next request
        // for that number is refused by both.
        var first = keyResults.First(t => t.Phone == keyed[0]).Body;
        var webhook = new TwilioWebhookClient(new HttpClient { BaseAddress = new Uri(B.BaseUrl), Timeout = Bound },
            TwoInstances.AuthToken, TwoInstances.PublicBaseUrl);
        var (status, confirm) = await webhook.PostAsync($"/twilio/gather/{first["id"]}?attempt=0",
            new() { ["CallSid"] = (string)first["twilioCallSid"]!, ["Digits"] = "9" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Hangup", confirm);
        foreach (var caller in new[] { callerA, callerB })
        {
            var (refused, problem) = await caller.PostJsonAsync("/v1/calls", ApiHelpers.OrderUpdate(keyed[0]));
            Assert.Equal((HttpStatusCode)422, refused);
            Assert.Equal(["consent_revoked", "dnc_internal"], problem.ReasonCodes().Order());
        }
        Assert.Equal(1, CreateCallsTo(keyed[0]));

        // One audit chain, verified through each instance.
        foreach (var service in new[] { A, B })
        {
            using var supervisor = Client(service, SupervisorKey);
            var (ok, verify) = await supervisor.VerifySealedAsync();
            Assert.Equal(HttpStatusCode.OK, ok);
            Assert.True((bool)verify["ok"]!, verify.ToJsonString());
        }
    }

    [Fact]
    public async Task RegistrySnapshotWrittenToTheSharedFolder_BothInstancesPickItUpWithoutRestart()
    {
        const string listed = "+12125550142";
        using var callerA = Client(A, CallerKey);
        using var callerB = Client(B, CallerKey);
        var file = Path.Combine(instances.Folder, "national.txt");
        await File.WriteAllLinesAsync(file, [listed.TrimStart('+')]);

        RegistryImporter.Import(instances.RegistryFolder, "national", ImportMode.Full, [file],
            DateOnly.FromDateTime(DateTime.UtcNow), TimeProvider.System);

        foreach (var caller in new[] { callerA, callerB })
        {
            var deadline = DateTime.UtcNow + Bound;
            JsonNode view;
            do
            {
                (_, view) = await caller.GetJsonAsync($"/v1/dnc/{ApiHelpers.Path(listed)}");
                if (view["national"]?["listed"] is { } l && (bool)l) break;
                await Task.Delay(200);
            }
            while (DateTime.UtcNow < deadline);
            Assert.True((bool)view["national"]!["listed"]!,
                $"{caller.BaseAddress} did not pick up the new snapshot: {view.ToJsonString()}");
        }
    }

    private static async Task<(HttpStatusCode Status, JsonNode Body)> PostWithKeyAsync(HttpClient client, string phone)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/calls")
        {
            Content = System.Net.Http.Json.JsonContent.Create(ApiHelpers.OrderUpdate(phone))
        };
        request.Headers.Add("Idempotency-Key", "order-update-" + phone);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!);
    }
}

/// <summary>The two instances, their database and their Twilio stand-in, started once for <see cref="TwoInstancesTests"/>:
/// its tests use numbers of their own (caps and keys per number, a registry entry no other test calls), so they cannot
/// see each other's calls, and the audit chain they share verifies whatever the order.</summary>
[SuppressMessage("Design", "CA1001", Justification = "xunit disposes the fixture, and its database, through DisposeAsync.")]
public sealed class TwoInstances : IAsyncLifetime
{
    public const string CallerKey = "two-instances-caller-key-0001";
    public const string SupervisorKey = "two-instances-supervisor-key-01";
    public const string AuthToken = "two-instances-made-up-auth-token";
    /// <summary>What the reverse proxy would publish: both instances sign and build webhook URLs from it.</summary>
    public const string PublicBaseUrl = "https://voiceproxy.example.com";
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly PostgresDatabase _database = new();

    public string Folder { get; } = Directory.CreateTempSubdirectory("voiceproxy-two-").FullName;
    public WireMockServer Twilio { get; } = WireMockServer.Start();
    public ServiceProcess A { get; private set; } = null!;
    public ServiceProcess B { get; private set; } = null!;
    public string RegistryFolder => Path.Combine(Folder, "registry");

    public async Task InitializeAsync()
    {
        // A short delay at "Twilio" keeps each placement in flight long enough for the other instance to race it.
        Twilio.Given(Request.Create().WithPath($"/2010-04-01/Accounts/{VoiceProxyApplication.AccountSid}/Calls.json").UsingPost())
            .RespondWith(Response.Create().WithDelay(TimeSpan.FromMilliseconds(30)).WithStatusCode(201).WithHeader("Content-Type",
                "application/json")
                .WithCallback(_ => new WireMock.ResponseMessage
                {
                    StatusCode = 201,
                    Headers = new Dictionary<string, WireMock.Types.WireMockList<string>>
                    {
                        ["Content-Type"] = new("application/json")
                    },
                    BodyData = new WireMock.Util.BodyData
                    {
                        DetectedBodyType = WireMock.Types.BodyType.String,
                        BodyAsString = $$"""{"sid":"CA{{Guid.NewGuid():N}}","""
                            + $$"""
                            "account_sid":"{{VoiceProxyApplication.AccountSid}}","status":"queued"}
                            """,
                    },
                }));
        Twilio.Given(Request.Create().WithPath(new WireMock.Matchers.WildcardMatcher("/v2/PhoneNumbers/*")).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody(VoiceProxyApplication.LookupBody("mobile", "no")));
        var settings = new TestSettings()
            .Set("VoiceProxy:Database:Provider", "Postgres")
            .Set("ConnectionStrings:VoiceProxy", _database.ConnectionString)
            .Twilio(Twilio.Url!, AuthToken)
            .Set("VoiceProxy:PublicBaseUrl", PublicBaseUrl)
            .Set("VoiceProxy:Registry:Path", RegistryFolder)
            .Set("VoiceProxy:Caps:TransactionalMaxCalls", "3")
            .OneSeller()
            .ApiKey("caller", CallerKey, "Caller", "acme")
            .ApiKey("supervisor", SupervisorKey, "Supervisor")
            .Unlimited()
            .Set(RealClock.Settings)
            .Build();
        Directory.CreateDirectory(RegistryFolder);
        (A, B) = (new ServiceProcess(settings), new ServiceProcess(settings));
        // Both start at once on an empty database: migrations must run exactly once between them.
        await Task.WhenAll(A.StartAsync(Bound), B.StartAsync(Bound));
    }

    public async Task DisposeAsync()
    {
        A.Dispose();
        B.Dispose();
        Twilio.Stop();
        _database.Dispose();
        await Task.CompletedTask;
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
