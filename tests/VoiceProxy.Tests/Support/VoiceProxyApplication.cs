using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
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

    /// <summary>Monday 30 November 2026, 18:00 UTC: 10:00 in California, 13:00 in New York.</summary>
    public static readonly DateTimeOffset MondayMidday = new(2026, 11, 30, 18, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    public VoiceProxyApplication(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, DateTimeOffset? now = null)
    {
        Time = new FakeTimeProvider(now ?? MondayMidday);
        Folder = Directory.CreateTempSubdirectory("voiceproxy-test-").FullName;
        _services = services;
        _settings = new()
        {
            ["ConnectionStrings:VoiceProxy"] = $"Data Source={Path.Combine(Folder, "voiceproxy.db")}",
            ["Twilio:AccountSid"] = AccountSid,
            ["Twilio:AuthToken"] = AuthToken,
            ["Twilio:ApiBaseUrl"] = Twilio.Url,
            ["VoiceProxy:PublicBaseUrl"] = PublicBaseUrl,
            ["VoiceProxy:Registry:Path"] = RegistryFolder,
            ["VoiceProxy:Sellers:0:Id"] = "acme",
            ["VoiceProxy:Sellers:0:LegalName"] = "Acme Outdoor Supply",
            ["VoiceProxy:Sellers:0:CallbackNumber"] = "+18005550199",
            ["VoiceProxy:Sellers:0:CallerIds:0"] = AcmeCallerId,
            ["VoiceProxy:Sellers:0:OptOutNumber"] = "+18005550198",
            ["VoiceProxy:Sellers:0:CallerIds:1"] = "+14155550101",
            ["VoiceProxy:Sellers:1:Id"] = "globex",
            ["VoiceProxy:Sellers:1:LegalName"] = "Globex Home Goods",
            ["VoiceProxy:Sellers:1:CallbackNumber"] = "+18885550177",
            ["VoiceProxy:Sellers:1:CallerIds:0"] = "+12125550100",
            ["VoiceProxy:Sellers:1:WrittenConsentExemptsRegistry"] = "false",
            ["VoiceProxy:ApiKeys:0:Name"] = "acme-app",
            ["VoiceProxy:ApiKeys:0:Key"] = AcmeKey,
            ["VoiceProxy:ApiKeys:0:Role"] = "Caller",
            ["VoiceProxy:ApiKeys:0:Seller"] = "acme",
            ["VoiceProxy:ApiKeys:1:Name"] = "globex-app",
            ["VoiceProxy:ApiKeys:1:KeySha256"] = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(GlobexKey))),
            ["VoiceProxy:ApiKeys:1:Role"] = "Caller",
            ["VoiceProxy:ApiKeys:1:Seller"] = "globex",
            ["VoiceProxy:ApiKeys:2:Name"] = "supervisor",
            ["VoiceProxy:ApiKeys:2:Key"] = SupervisorKey,
            ["VoiceProxy:ApiKeys:2:Role"] = "Supervisor",
            ["VoiceProxy:ApiKeys:3:Name"] = "admin",
            ["VoiceProxy:ApiKeys:3:Key"] = AdminKey,
            ["VoiceProxy:ApiKeys:3:Role"] = "Admin",
        };
        foreach (var (key, value) in settings ?? []) _settings[key] = value;
        StubTwilioCreateCall();
    }

    public WireMockServer Twilio { get; } = WireMockServer.Start();
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

    /// <summary>Twilio answers a create-call request with 201 and a new call SID, as its API does.</summary>
    public void StubTwilioCreateCall(int status = 201, string? body = null)
    {
        Twilio.Reset();
        Twilio.Given(Request.Create().WithPath($"/2010-04-01/Accounts/{AccountSid}/Calls.json").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json")
                .WithBody(body ?? $$"""{"sid":"CA{{Guid.NewGuid():N}}","account_sid":"{{AccountSid}}","status":"queued","direction":"outbound-api","api_version":"2010-04-01"}"""));
    }

    public IReadOnlyList<ILogEntry> CreateCallRequests =>
        Twilio.LogEntries.Where(e => e.RequestMessage.Path.EndsWith("/Calls.json", StringComparison.Ordinal) && e.RequestMessage.Method == "POST").ToList();

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
