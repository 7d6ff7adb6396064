using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace VoiceProxy.Tests.Support;

/// <summary>Services on real loopback ports: a free port to put one on, and an HTTP client for one.</summary>
public static class Loopback
{
    /// <summary>A port free on 127.0.0.1 now. Another process may take it before the caller binds it; then start-up fails
    /// loudly rather than a test flakily passing.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string Url(int port) => $"http://127.0.0.1:{port}";

    /// <summary>A client for the service at <paramref name="baseUrl"/>, sending <paramref name="key"/> as its Bearer
    /// key.</summary>
    public static HttpClient Client(string baseUrl, string? key = null, TimeSpan? timeout = null)
    {
        var client = new HttpClient { BaseAddress = new Uri(baseUrl) };
        if (timeout is { } t) client.Timeout = t;
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
