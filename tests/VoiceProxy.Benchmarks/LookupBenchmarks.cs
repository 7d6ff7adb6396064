using BenchmarkDotNet.Attributes;
using VoiceProxy.DoNotCall;

namespace VoiceProxy.Benchmarks;

/// <summary>BenchmarkDotNet view of one figure, over files left by <c>run</c>: REGISTRY_WORK names its --work folder.
/// 1,000 random numbers per operation, half listed; SQLite is the baseline.</summary>
[MemoryDiagnoser]
public class LookupBenchmarks : IDisposable
{
    private RegistrySnapshot? _snapshot;
    private SqliteBaseline? _sqlite;
    private long[] _queries = [];

    [GlobalSetup]
    public void Setup()
    {
        var work = Environment.GetEnvironmentVariable("REGISTRY_WORK")
            ?? throw new InvalidOperationException("set REGISTRY_WORK to the folder given to run --work");
        _snapshot = RegistrySnapshot.Map(Path.Combine(work, "snapshots", RegistryLists.FileName(RegistryLists.National)));
        _sqlite = new SqliteBaseline(Path.Combine(work, "baseline.db"));
        var numbers = _snapshot.Numbers;
        var random = new SplitMix64(7);
        _queries = Enumerable.Range(0, 1000).Select(i => i % 2 == 0
            ? numbers[(long)(random.Next() % (ulong)numbers.Length)]
            : numbers[(long)(random.Next() % (ulong)numbers.Length)] + 1).ToArray();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = 1000)]
    public int Sqlite() => _queries.Count(_sqlite!.Contains);

    [Benchmark(OperationsPerInvoke = 1000)]
    public int Index() => _queries.Count(_snapshot!.Contains);

    /// <summary>The global cleanup; BenchmarkDotNet calls it by its attribute, never as IDisposable.</summary>
    [GlobalCleanup]
    public void Dispose()
    {
        _snapshot?.Dispose();
        _sqlite?.Dispose();
        GC.SuppressFinalize(this);
    }
}
