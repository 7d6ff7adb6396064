namespace VoiceProxy.Tests.Support;

/// <summary>A test class over one <see cref="VoiceProxyApplication"/> and a client with Acme's key. By default each test gets
/// its own application (fresh database, registry folder, WireMock Twilio and clock). A class whose tests leave nothing that
/// another could see or count passes the one of its <see cref="SharedApplication"/> class fixture instead.</summary>
public abstract class ApplicationTests : IDisposable
{
    /// <summary>The number most tests call: area code 415 (California), inside calling hours at
    /// <see cref="VoiceProxyApplication.MondayMidday"/>.</summary>
    protected const string Phone = "+14155550123";

    private readonly bool _owned;

    protected ApplicationTests() : this(new VoiceProxyApplication(), owned: true) { }

    /// <summary>Each test gets its own application, made with these settings.</summary>
    protected ApplicationTests(Dictionary<string, string?> settings) : this(new VoiceProxyApplication(settings), owned: true) { }

    protected ApplicationTests(SharedApplication shared) : this(shared.App, owned: false) { }

    private ApplicationTests(VoiceProxyApplication app, bool owned)
    {
        App = app;
        _owned = owned;
        Acme = app.Acme();
    }

    protected VoiceProxyApplication App { get; }

    /// <summary>A client with Acme's caller key.</summary>
    protected HttpClient Acme { get; }

    public void Dispose()
    {
        Acme.Dispose();
        if (_owned) App.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>One application for all the tests of a class (<c>IClassFixture&lt;SharedApplication&gt;</c>), started once:
/// only for tests that each leave the store, the clock and the Twilio stand-in as they found them, or that touch only
/// numbers no other test of the class reads.</summary>
public sealed class SharedApplication : IDisposable
{
    public VoiceProxyApplication App { get; } = new();

    public void Dispose() => App.Dispose();
}
