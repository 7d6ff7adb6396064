using System.Threading.Channels;

namespace VoiceProxy.Data;

/// <summary>
/// Group commit: the one writer of this process. Each request hands it a unit of work (rows to add, conditional updates);
/// the writer takes whatever is queued, runs the units in one transaction, saves their rows together, commits once (one
/// fsync for all of them), and only then completes each waiting request. When a unit fails, the batch is rolled back and
/// run again one unit at a time, each in a savepoint of its own, so the failing unit fails its own request alone; a commit
/// that fails fails every unit of the batch, none of which was acknowledged. Durability is unchanged: a request resumes
/// only after its own rows are durable (SQLite synchronous=FULL, PostgreSQL synchronous_commit as configured).
/// </summary>
internal sealed class StoreWriter : IAsyncDisposable
{
    /// <summary>A cap on one transaction, so a burst cannot hold the database's write lock for long.</summary>
    private const int MaxUnitsPerBatch = 1024;
    private const string Savepoint = "unit";
    /// <summary>Under load (the last batch held at least <see cref="LingerAfter"/> units) the writer waits this long for more
    /// before it commits, so a burst shares fewer fsyncs; a lone request never waits.</summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(1);
    private const int LingerAfter = 8;

    private readonly Channel<Unit> _queue = Channel.CreateUnbounded<Unit>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<StoreWriter> _log;
    private readonly Outbox _outbox;
    private readonly Task _loop;
    private long _commits, _units;
    private int _queued;

    public StoreWriter(IServiceScopeFactory scopes, Outbox outbox, ILogger<StoreWriter> log)
    {
        _scopes = scopes;
        _outbox = outbox;
        _log = log;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Transactions committed so far (each one fsync); with <see cref="Units"/>, how well writes are grouped.</summary>
    public long Commits => Interlocked.Read(ref _commits);
    public long Units => Interlocked.Read(ref _units);

    /// <summary>Units waiting for the next group commit.</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Runs <paramref name="work"/> in the next group commit and returns its result once its rows are durable. The work
    /// runs inside the shared transaction and may be run twice (see <see cref="TryAllAtOnceAsync"/>): it must change nothing
    /// but the store it is given, and do no other I/O.</summary>
    public Task<T> WriteAsync<T>(Func<VoiceProxyDb, Task<T>> work)
    {
        var unit = new Unit<T>(work);
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(unit))
        {
            Interlocked.Decrement(ref _queued);
            throw new ObjectDisposedException(nameof(StoreWriter), "The service is stopping.");
        }
        return unit.Completion.Task;
    }

    /// <summary>Runs <paramref name="work"/> in the next group commit; returns once its rows are durable.</summary>
    public Task WriteAsync(Func<VoiceProxyDb, Task> work) => WriteAsync(async db =>
    {
        await work(db);
        return true;
    });

    /// <summary>Adds rows in the next group commit; returns once they are durable.</summary>
    public Task WriteAsync(Action<VoiceProxyDb> add) => WriteAsync(db =>
    {
        add(db);
        return Task.FromResult(true);
    });

    private async Task RunAsync()
    {
        var batch = new List<Unit>(MaxUnitsPerBatch);
        var last = 0;
        while (await _queue.Reader.WaitToReadAsync())
        {
            Take(batch);
            if (last >= LingerAfter && batch.Count < MaxUnitsPerBatch)
            {
                await Task.Delay(Linger);
                Take(batch);
            }
            last = batch.Count;
            try
            {
                await CommitAsync(batch);
                Interlocked.Increment(ref _commits);
                Interlocked.Add(ref _units, batch.Count);
                _outbox.Committed();
                foreach (var unit in batch) unit.Complete();
            }
            catch (Exception e)
            {
                _log.LogError("A group commit of {Units} writes failed; each request is told: {Error}", batch.Count, e.Message);
                foreach (var unit in batch) unit.Fail(e);
            }
            batch.Clear();
        }
    }

    private void Take(List<Unit> batch)
    {
        var taken = batch.Count;
        while (batch.Count < MaxUnitsPerBatch && _queue.Reader.TryRead(out var unit)) batch.Add(unit);
        Interlocked.Add(ref _queued, taken - batch.Count);
    }

    private async Task CommitAsync(List<Unit> batch)
    {
        using var scope = _scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VoiceProxyDb>();
        db.Database.AutoSavepointsEnabled = false;
        if (batch.Count > 1 && await TryAllAtOnceAsync(db, batch)) return;

        // One unit at a time, each in a savepoint of its own: a unit that fails is rolled back alone.
        await using var tx = await db.Database.BeginTransactionAsync();
        foreach (var unit in batch)
        {
            await tx.CreateSavepointAsync(Savepoint);
            try
            {
                await unit.RunAsync(db);
                await db.SaveChangesAsync();
                await tx.ReleaseSavepointAsync(Savepoint);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await tx.RollbackToSavepointAsync(Savepoint);
                unit.Refuse(e);
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }
        await tx.CommitAsync();
    }

    /// <summary>The usual case: every unit succeeds, so their rows are saved together with one SaveChanges and committed. If
    /// any unit or the save fails, everything is rolled back (nothing was acknowledged) and false sends the batch through
    /// the one-at-a-time path, which runs each unit again. Units only change the store they are given, so running one twice
    /// is safe. Rows a unit adds are saved at the end of the batch, so a unit must not read rows another unit of the same
    /// batch adds (none does: a request's second write is queued only after its first is durable).</summary>
    private static async Task<bool> TryAllAtOnceAsync(VoiceProxyDb db, List<Unit> batch)
    {
        await using var tx = await db.Database.BeginTransactionAsync();
        try
        {
            foreach (var unit in batch) await unit.RunAsync(db);
            await db.SaveChangesAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await tx.RollbackAsync();
            db.ChangeTracker.Clear();
            return false;
        }
        await tx.CommitAsync();
        return true;
    }

    /// <summary>Stops taking writes and finishes the queued ones.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private abstract class Unit
    {
        public abstract Task RunAsync(VoiceProxyDb db);
        /// <summary>This unit's own rows failed; it fails alone once the batch is over.</summary>
        public abstract void Refuse(Exception e);
        public abstract void Complete();
        public abstract void Fail(Exception e);
    }

    private sealed class Unit<T>(Func<VoiceProxyDb, Task<T>> work) : Unit
    {
        public readonly TaskCompletionSource<T> Completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;
        private Exception? _refused;

        public override async Task RunAsync(VoiceProxyDb db) => _result = await work(db);
        public override void Refuse(Exception e) => _refused = e;

        public override void Complete()
        {
            if (_refused is not null) Completion.TrySetException(_refused);
            else Completion.TrySetResult(_result!);
        }

        public override void Fail(Exception e) => Completion.TrySetException(_refused ?? e);
    }
}
