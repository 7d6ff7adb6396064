using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace VoiceProxy.Tests.Support;

/// <summary>The real VoiceProxy program as a separate process (the build beside the tests), configured through environment
/// variables, on a loopback port. Everything it prints is kept, for checks on the log.</summary>
public sealed class ServiceProcess(IReadOnlyDictionary<string, string> settings) : IDisposable
{
    private Process? _process;

    private ServiceProcess(IReadOnlyDictionary<string, string> settings, string folder) : this(settings) => Folder = folder;

    /// <summary>A program over its own SQLite file and registry folder (<see cref="Folder"/>), in a temporary folder that
    /// goes on dispose.</summary>
    public static ServiceProcess WithOwnStore(TestSettings settings)
    {
        var folder = Directory.CreateTempSubdirectory("voiceproxy-process-").FullName;
        return new ServiceProcess(settings.StoreIn(folder).Build(), folder);
    }

    public IReadOnlyDictionary<string, string> Settings { get; } = settings;
    public int Port { get; } = Loopback.FreePort();
    public string BaseUrl => Loopback.Url(Port);
    public ConcurrentQueue<string> Output { get; } = new();

    /// <summary>The folder of the program's own store, when it has one (<see cref="WithOwnStore"/>).</summary>
    public string? Folder { get; }

    /// <summary>A client for the program, sending <paramref name="key"/> as its Bearer key.</summary>
    public HttpClient Client(string? key = null, TimeSpan? timeout = null) => Loopback.Client(BaseUrl, key, timeout);

    /// <summary>Starts the program and waits until /health/ready answers 200.</summary>
    public async Task StartAsync(TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "VoiceProxy.dll"), "--urls", BaseUrl])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // Production needs an audit key; the settings may replace it.
        start.Environment["VoiceProxy__Audit__Key"] = VoiceProxyApplication.AuditKey;
        foreach (var (key, value) in Settings) start.Environment[key.Replace(":", "__")] = value;
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) Output.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Output.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit(); // lets the output readers finish, so Output holds every line it printed
                throw new InvalidOperationException($"VoiceProxy exited with {_process.ExitCode}:\n{string.Join("\n", Output)}");
            }
            try
            {
                if ((await http.GetAsync($"{BaseUrl}/health/ready")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"VoiceProxy was not ready within {timeout}:\n{string.Join("\n", Output)}");
    }

    /// <summary>kill -9: no shutdown hooks, no flushing.</summary>
    public void Kill()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        if (Folder is null) return;
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
