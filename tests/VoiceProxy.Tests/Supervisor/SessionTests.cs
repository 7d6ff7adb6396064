using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Net.Http.Headers;

namespace VoiceProxy.Tests.Supervisor;

/// <summary>The supervisor page's session is a server-side record checked on every request: sign-out, the removal of the key
/// that opened it and its absolute lifetime each end it, wherever its cookie has been copied. Outside Development its
/// cookie is Secure with the __Host- prefix.</summary>
public sealed class SessionTests
{
    private const string SessionCookie = "__Host-voiceproxy-supervisor";

    /// <summary>A browser's cookie jar, kept by hand so a test can keep an old cookie and send it again.</summary>
    private sealed class Browser(HttpClient http)
    {
        public Dictionary<string, string> Cookies { get; } = [];
        public List<SetCookieHeaderValue> Received { get; } = [];

        public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, Dictionary<string, string>? form = null)
        {
            using var request = new HttpRequestMessage(method, path)
            {
                Content = form is null ? null : new FormUrlEncodedContent(form)
            };
            if (Cookies.Count > 0)
                request.Headers.Add("Cookie", string.Join("; ", Cookies.Select(c => $"{c.Key}={c.Value}")));
            var response = await http.SendAsync(request);
            if (response.Headers.TryGetValues("Set-Cookie", out var values))
                foreach (var cookie in SetCookieHeaderValue.ParseList(values.ToList()))
                {
                    Received.Add(cookie);
                    if (cookie.Expires is { } expires && expires < DateTimeOffset.UtcNow.AddYears(-1))
                        Cookies.Remove(cookie.Name.Value!);
                    else Cookies[cookie.Name.Value!] = cookie.Value.Value!;
                }
            return response;
        }

        /// <summary>Posts a page form with the anti-forgery token the page would read from /supervisor/session.</summary>
        public async Task<HttpResponseMessage> PostFormAsync(string path, Dictionary<string, string>? fields = null)
        {
            var text = await (await SendAsync(HttpMethod.Get, "/supervisor/session")).Content.ReadAsStringAsync();
            var session = JsonNode.Parse(text) is { } json && json["antiforgery"] is not null
                ? json
                : throw new InvalidOperationException(text);
            var form = new Dictionary<string, string>(fields ?? [])
            {
                [(string)session["antiforgery"]!["field"]!] = (string)session["antiforgery"]!["token"]!
            };
            return await SendAsync(HttpMethod.Post, path, form);
        }

        public async Task SignInAsync(string key = VoiceProxyApplication.SupervisorKey)
        {
            var response = await PostFormAsync("/supervisor/sign-in", new() { ["key"] = key });
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.True(Cookies.ContainsKey(SessionCookie), string.Join(", ", Cookies.Keys));
        }

        public async Task<HttpStatusCode> ListCallsAsync() => (await SendAsync(HttpMethod.Get, "/v1/calls")).StatusCode;
    }

    private static Browser Open(WebApplicationFactory<Program> app, string baseUrl = "https://localhost") =>
        new(app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri(baseUrl), HandleCookies = false }));

    [Fact]
    public async Task SignOut_OldCookieReplayed_Refused()
    {
        using var app = new VoiceProxyApplication();
        var browser = Open(app);
        await browser.SignInAsync();
        var copied = new Dictionary<string, string>(browser.Cookies);
        Assert.Equal(HttpStatusCode.OK, await browser.ListCallsAsync());

        Assert.Equal(HttpStatusCode.NoContent, (await browser.PostFormAsync("/supervisor/sign-out")).StatusCode);
        var replay = Open(app);
        foreach (var (name, value) in copied) replay.Cookies[name] = value;

        Assert.Equal(HttpStatusCode.Unauthorized, await replay.ListCallsAsync());
        var session = JsonNode.Parse(await (await replay.SendAsync(HttpMethod.Get, "/supervisor/session")).Content
            .ReadAsStringAsync())!;
        Assert.False((bool)session["signedIn"]!);
        Assert.Equal(["supervisor.signed_in", "supervisor.signed_out"], app.Query(db => db.AuditEvents
            .Where(e => e.Type.StartsWith("supervisor.signed")).OrderBy(e => e.Id).Select(e => e.Type).ToList()));
    }

    [Fact]
    public async Task KeyRemovedFromConfiguration_NewInstanceOverSameDatabase_SessionRefused()
    {
        var keys = Directory.CreateTempSubdirectory("voiceproxy-keys-").FullName;
        var keyFile = Path.Combine(Directory.CreateTempSubdirectory("voiceproxy-kek-").FullName, "kek");
        await File.WriteAllTextAsync(keyFile, Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i * 7 + 1)).ToArray()));
        var shared = new Dictionary<string, string?>
        {
            ["VoiceProxy:Deployment:DataProtectionKeysPath"] = keys,
            ["VoiceProxy:Deployment:DataProtectionKeyEncryptionKeyFile"] = keyFile,
        };
        try
        {
            using var first = new VoiceProxyApplication(shared);
            var browser = Open(first);
            await browser.SignInAsync();
            var database = Path.Combine(first.Folder, "voiceproxy.db");
            using var same = new VoiceProxyApplication(new(shared)
            {
                ["ConnectionStrings:VoiceProxy"] = $"Data Source={database}",
            });
            using var rotated = new VoiceProxyApplication(new(shared)
            {
                ["ConnectionStrings:VoiceProxy"] = $"Data Source={database}",
                ["VoiceProxy:ApiKeys:2:Key"] = "test-rotated-supervisor-key-02",
            });

            var elsewhere = Open(same);
            var afterRotation = Open(rotated);
            foreach (var (name, value) in browser.Cookies) elsewhere.Cookies[name] = afterRotation.Cookies[name] = value;

            Assert.Equal(HttpStatusCode.OK, await elsewhere.ListCallsAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, await afterRotation.ListCallsAsync());
        }
        finally
        {
            Directory.Delete(keys, recursive: true);
            Directory.Delete(Path.GetDirectoryName(keyFile)!, recursive: true);
        }
    }

    [Fact]
    public async Task AbsoluteLifetime_PassedWhileActive_SessionRefused()
    {
        using var app = new VoiceProxyApplication(new()
        {
            ["VoiceProxy:Sessions:IdleMinutes"] = "120", ["VoiceProxy:Sessions:MaxHours"] = "2",
        });
        var browser = Open(app);
        await browser.SignInAsync();

        app.Time.Advance(TimeSpan.FromMinutes(100));
        var stillActive = await browser.ListCallsAsync();
        app.Time.Advance(TimeSpan.FromMinutes(30));
        var pastTheEnd = await browser.ListCallsAsync();

        Assert.Equal(HttpStatusCode.OK, stillActive);
        Assert.Equal(HttpStatusCode.Unauthorized, pastTheEnd);

        // The next sign-in clears the rows that can never be used again.
        Assert.Equal(1, app.Query(db => db.SupervisorSessions.Count()));
        await Open(app).SignInAsync();
        Assert.Equal(1, app.Query(db => db.SupervisorSessions.Count(s => s.ExpiresAt > app.Time.GetUtcNow())));
        Assert.Equal(1, app.Query(db => db.SupervisorSessions.Count()));
    }

    [Fact]
    public async Task Production_CookiesSecureWithHostPrefix_HstsOverHttps_PageRefusedOverHttp()
    {
        using var testing = new VoiceProxyApplication();
        using var app = testing.WithWebHostBuilder(b => b.UseEnvironment("Production"));
        var browser = Open(app, "https://voiceproxy.example.com");

        await browser.SignInAsync();
        var hsts = await browser.SendAsync(HttpMethod.Get, "/health/live");
        var plain = await Open(app, "http://voiceproxy.example.com").SendAsync(HttpMethod.Get, "/supervisor/session");

        var session = browser.Received.Single(c => c.Name == SessionCookie);
        Assert.True(session.Secure);
        Assert.True(session.HttpOnly);
        Assert.Equal("/", session.Path.Value);
        Assert.Null(session.Domain.Value);
        Assert.Equal(Microsoft.Net.Http.Headers.SameSiteMode.Strict, session.SameSite);
        var antiforgery = browser.Received.Single(c => c.Name.Value!.Contains("antiforgery", StringComparison.Ordinal));
        Assert.Equal("__Host-voiceproxy-antiforgery", antiforgery.Name.Value);
        Assert.True(antiforgery.Secure);
        Assert.Equal("/", antiforgery.Path.Value);
        Assert.Contains("max-age=31536000", hsts.Headers.GetValues("Strict-Transport-Security").Single());
        Assert.Equal(HttpStatusCode.Forbidden, plain.StatusCode);
        Assert.Equal("application/problem+json", plain.Content.Headers.ContentType?.MediaType);
        Assert.False(plain.Headers.Contains("Set-Cookie"));
    }
}
