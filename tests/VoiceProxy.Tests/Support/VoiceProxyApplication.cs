using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using VoiceProxy.DoNotCall;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace VoiceProxy.Tests.Support;

/// <summary>The real service over a fresh SQLite file and registry folder, with WireMock as Twilio and a fake clock.
/// Keys and tokens here are made up.</summary>
public sealed class VoiceProxyApplication : WebApplicationFactory<Program>
{
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string AuthToken = "made-up-test-auth-token";
    public const string PublicBaseUrl = "https://voiceproxy.example.com/base";
    public const string AcmeKey = "test-acme-caller-key-000001";
    public const string GlobexKey = "test-globex-caller-key-00001";
    public const string SupervisorKey = "test-supervisor-key-0000001";
    public const string AdminKey = "test-admin-key-000000000001";
    public const string AcmeCallerId = "+14155550100";

    /// <summary>Settings that add a third seller, Initech, with no opt-out line, and its Caller key.</summary>
    public static Dictionary<string, string?> WithInitech(string key) => new()
    {
        ["VoiceProxy:Sellers:2:Id"] = "initech", ["VoiceProxy:Sellers:2:LegalName"] = "Initech Supplies",
        ["VoiceProxy:Sellers:2:CallbackNumber"] = "+18775550155", ["VoiceProxy:Sellers:2:CallerIds:0"] = "+13125550100",
        ["VoiceProxy:ApiKeys:4:Name"] = "initech-app", ["VoiceProxy:ApiKeys:4:Key"] = key,
        ["VoiceProxy:ApiKeys:4:Role"] = "Caller", ["VoiceProxy:ApiKeys:4:Seller"] = "initech",
    };
    /// <summary>A made-up audit sealing key (base64 of 32 bytes), and another one for "a different key".</summary>
    public const string AuditKey = "TwJ7hnSS/A3CNUK7lA4ezx8p3dzCL3nh7p1SuoYYMco=";
    public const string OtherAuditKey = "Rm/gq/sCRqB//2u48FsqAcUnbtzOSCsHrH2yNlScZts=";

    /// <summary>Monday 30 November 2026, 18:00 UTC: 10:00 in California, 13:00 in New York.</summary>
    public static readonly DateTimeOffset MondayMidday = new(2026, 11, 30, 18, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    public VoiceProxyApplication(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null,
        DateTimeOffset? now = null)
    {
        Time = new FakeTimeProvider(now ?? MondayMidday);
        Folder = Directory.CreateTempSubdirectory("voiceproxy-test-").FullName;
        _services = services;
        _settings = new TestSettings()
            .StoreIn(Folder)
            .Twilio(Twilio.Url!, AuthToken)
            .Set("VoiceProxy:PublicBaseUrl", PublicBaseUrl)
            .Set("VoiceProxy:Audit:Key", AuditKey)
            .Seller("acme", "Acme Outdoor Supply", "+18005550199", [AcmeCallerId, "+14155550101"], optOutNumber: "+18005550198")
            .Seller("globex", "Globex Home Goods", "+18885550177", ["+12125550100"], optOutNumber: "+18885550176",
                writtenConsentExemptsRegistry: false)
            .ApiKey("acme-app", AcmeKey, "Caller", "acme")
            .ApiKeyDigest("globex-app", GlobexKey, "Caller", "globex")
            .ApiKey("supervisor", SupervisorKey, "Supervisor")
            .ApiKey("admin", AdminKey, "Admin")
            .BuildForApplication();
        foreach (var (key, value) in settings ?? []) _settings[key] = value;
        StubTwilioCreateCall();
    }

    public WireMockServer Twilio { get; } = WireMockServer.Start();
    /// <summary>The settings this instance runs with, for a command run beside it on the same store.</summary>
    public IReadOnlyDictionary<string, string?> Settings => _settings;
    public FakeTimeProvider Time { get; }
    public string Folder { get; }
    public string RegistryFolder => Path.Combine(Folder, "registry");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            _services?.Invoke(services);
        });
    }

    public HttpClient ClientWithKey(string key)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public HttpClient Acme() => ClientWithKey(AcmeKey);

    /// <summary>Serves the application with Kestrel on a loopback port (0: any free one) instead of the in-memory test
    /// server, for clients that need real HTTP (a browser, the simulated Twilio's webhooks); returns its base URL.</summary>
    public string StartOnLoopback(int port = 0)
    {
        UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        StartServer();
        return Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
    }

    /// <summary>Twilio answers a create-call request with 201 and a new call SID, as its API does, and a call update (a
    /// redirect or a hang-up) with 200; Lookup, unless a test says otherwise (<see cref="StubLookup"/>), that the number is
    /// a mobile and not reassigned.</summary>
    public void StubTwilioCreateCall(int status = 201, string? body = null)
    {
        Twilio.Reset();
        StubLookup("mobile", "no", priority: 100);
        Twilio.Given(Request.Create().WithPath(new WireMock.Matchers.RegexMatcher(
                $"^/2010-04-01/Accounts/{AccountSid}/Calls/CA[0-9a-f]{{32}}\\.json$")).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody($$"""
                    {"sid":"CA00000000000000000000000000000000","account_sid":"{{AccountSid}}","status":"in-progress",
                     "direction":"outbound-api","api_version":"2010-04-01"}
                    """));
        Twilio.Given(Request.Create().WithPath($"/2010-04-01/Accounts/{AccountSid}/Calls.json").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json")
                .WithBody(body ?? $$"""
                    {"sid":"CA{{Guid.NewGuid():N}}","account_sid":"{{AccountSid}}","status":"queued","direction":"outbound-api",
                     "api_version":"2010-04-01"}
                    """));
    }

    /// <summary>Call updates sent to Twilio (POST /Calls/{sid}.json).</summary>
    public IReadOnlyList<ILogEntry> UpdateCallRequests =>
        Twilio.LogEntries.Where(e => e.RequestMessage.Path.Contains("/Calls/CA", StringComparison.Ordinal)
            && e.RequestMessage.Method == "POST").ToList();

    /// <summary>Twilio Lookup answers every number with this line type and reassignment answer (null: the field is left
    /// out), as Lookup v2 does; a lower <paramref name="priority"/> number wins over the default answer.</summary>
    public void StubLookup(string? lineType, string? reassigned, int priority = 1, int status = 200) =>
        Twilio.Given(Request.Create().WithPath(new WireMock.Matchers.WildcardMatcher("/v2/PhoneNumbers/*")).UsingGet())
            .AtPriority(priority)
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json")
                .WithBody(status == 200 ? LookupBody(lineType, reassigned) : $$"""
                    {"code":{{(status == 429 ? 20429 : 20500)}},"message":"nope","status":{{status}}}
                    """));

    /// <summary>A Lookup v2 answer in the shape of Twilio's OpenAPI examples.</summary>
    public static string LookupBody(string? lineType, string? reassigned) => $$"""
        {"calling_country_code":"1","country_code":"US","phone_number":"+14155550123","national_format":"(415) 555-0123",
         "valid":true,"validation_errors":[],"caller_name":null,"sim_swap":null,"call_forwarding":null,"line_status":null,
         "line_type_intelligence":{{(lineType is null ? "null" : $$"""
            {"error_code":null,"mobile_country_code":"310","mobile_network_code":"456","carrier_name":"Made-up Wireless",
             "type":"{{lineType}}"}
            """)}},
         "identity_match":null,
         "reassigned_number":{{(reassigned is null ? "null" : $$"""
            {"last_verified_date":"2026-10-01","is_number_reassigned":"{{reassigned}}","error_code":null}
            """)}},
         "sms_pumping_risk":null,"phone_number_quality_score":null,"pre_fill":null,
         "url":"https://lookups.twilio.com/v2/PhoneNumbers/+14155550123"}
        """;

    public IReadOnlyList<ILogEntry> LookupRequests =>
        Twilio.LogEntries.Where(e => e.RequestMessage.Path.StartsWith("/v2/PhoneNumbers/", StringComparison.Ordinal)).ToList();

    public IReadOnlyList<ILogEntry> CreateCallRequests =>
        Twilio.LogEntries.Where(e => e.RequestMessage.Path.EndsWith("/Calls.json", StringComparison.Ordinal)
            && e.RequestMessage.Method == "POST").ToList();

    /// <summary>Imports a registry list the way the CLI does, into this instance's registry folder.</summary>
    public void ImportRegistry(string list, DateOnly asOf, params string[] numbers)
    {
        var file = Path.Combine(Folder, $"{Guid.NewGuid():N}.txt");
        File.WriteAllLines(file, numbers.Select(n => n.TrimStart('+')));
        RegistryImporter.Import(RegistryFolder, list, ImportMode.Full, [file], asOf, Time);
        ((SnapshotRegistry)Services.GetRequiredService<IDncRegistry>()).Reload();
    }

    /// <summary>Reads the database directly, as a check beside the API.</summary>
    public T Query<T>(Func<VoiceProxy.Data.VoiceProxyDb, T> query)
    {
        using var scope = Services.CreateScope();
        return query(scope.ServiceProvider.GetRequiredService<VoiceProxy.Data.VoiceProxyDb>());
    }

    public DateOnly Today => DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        Twilio.Stop();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
