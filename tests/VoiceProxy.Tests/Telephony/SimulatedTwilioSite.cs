using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace VoiceProxy.Tests.Telephony;

/// <summary>
/// The real service in Simulated Twilio mode on Kestrel at a loopback port: the stand-in posts its webhooks over real HTTP
/// to VoiceProxy:PublicBaseUrl, so the port is chosen first and the public base URL points at it. Webhooks are signed with
/// the test auth token, the same one the signature filter checks against; signatures stay on.
/// </summary>
public sealed class SimulatedTwilioSite : IDisposable
{
    public SimulatedTwilioSite()
    {
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        App = new VoiceProxyApplication(new()
        {
            ["Twilio:Mode"] = "Simulated",
            ["VoiceProxy:PublicBaseUrl"] = BaseUrl,
        });
        App.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        App.StartServer();
    }

    public VoiceProxyApplication App { get; }
    public string BaseUrl { get; }

    public HttpClient Client(string key = VoiceProxyApplication.AcmeKey)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public void Dispose() => App.Dispose();

    // Another process may take the port between this and Kestrel's bind; then start-up fails loudly rather than flakily passing.
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
