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
        var port = Loopback.FreePort();
        App = new VoiceProxyApplication(new()
        {
            ["Twilio:Mode"] = "Simulated",
            ["VoiceProxy:PublicBaseUrl"] = Loopback.Url(port),
        });
        BaseUrl = App.StartOnLoopback(port);
    }

    public VoiceProxyApplication App { get; }
    public string BaseUrl { get; }

    public HttpClient Client(string key = VoiceProxyApplication.AcmeKey) => Loopback.Client(BaseUrl, key);

    public void Dispose() => App.Dispose();
}
