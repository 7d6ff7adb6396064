namespace VoiceProxy.Infrastructure;

/// <summary>Serializes work per key (a seller and number) without one global lock: keys map onto a fixed set of
/// stripes.</summary>
internal sealed class StripedLock
{
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, 4096).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    /// <summary>Takes the stripes of every key, always in stripe order, so two callers can never wait on each other.</summary>
    public async Task<IDisposable> AcquireAsync(IEnumerable<string> keys, CancellationToken ct)
    {
        var stripes = keys
            .Select(k => (int)((uint)StringComparer.Ordinal.GetHashCode(k) % (uint)_stripes.Length))
            .Distinct().Order().ToArray();
        var taken = new List<SemaphoreSlim>(stripes.Length);
        try
        {
            foreach (var i in stripes)
            {
                await _stripes[i].WaitAsync(ct);
                taken.Add(_stripes[i]);
            }
            return new Releaser(taken);
        }
        catch
        {
            new Releaser(taken).Dispose();
            throw;
        }
    }

    private sealed class Releaser(List<SemaphoreSlim> stripes) : IDisposable
    {
        private int _released;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                foreach (var stripe in stripes) stripe.Release();
        }
    }
}
