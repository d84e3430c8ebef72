using System.Buffers;
using Weir.Broker.Config;

namespace Weir.Broker.Network;

/// <summary>
/// The bound on memory held by requests being received or served, over all connections
/// (<c>queued.max.request.bytes</c>). As Kafka's MemoryPool, an exhausted pool mutes connections:
/// they are not read until memory is returned; nothing is closed for it. So that buffers that grow
/// as bytes arrive cannot all wait on each other, one request at a time may overdraw the pool; it
/// always completes (or hits the read timeout), and then the next waiter may overdraw.
/// </summary>
public sealed class RequestMemoryPool : IDisposable
{
    /// <summary>Request buffers up to this size come from <see cref="ArrayPool{T}.Shared"/>; larger ones are
    /// allocated and dropped, so that a burst of huge requests does not stay cached after they are gone.</summary>
    public const int PooledMaxBytes = 1 << 20;

    // Once this much has been dropped in large buffers, a collection gives it back to the OS (CollectDropped).
    private const long CollectAfterDroppedBytes = 16L << 20;

    private const long CollectBelowUsedBytes = 16L << 20;

    private static readonly TimeSpan MinCollectInterval = TimeSpan.FromSeconds(5);

    private readonly long _limit;
    private readonly TimeProvider _time;
    private long _used;
    private int _waiters;
    private object? _overdraftOwner;
    private long _droppedLarge;
    private int _collectScheduled;
    private ITimer? _collectTimer;
    private long _lastCollect;
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RequestMemoryPool(BrokerConfig config, TimeProvider time)
    {
        _limit = config.QueuedMaxRequestBytes is <= 0 ? long.MaxValue : config.QueuedMaxRequestBytes;
        _time = time;
    }

    public void Dispose() => _collectTimer?.Dispose();

    /// <summary>Bytes reserved now, over all connections.</summary>
    public long Used => Volatile.Read(ref _used);

    public long Limit => _limit;

    /// <summary>
    /// Reserves <paramref name="bytes"/> for <paramref name="owner"/> (a connection), or returns false
    /// when the pool is used up and another connection holds the overdraft.
    /// </summary>
    public bool TryReserve(object owner, long bytes)
    {
        if (Interlocked.Add(ref _used, bytes) <= _limit || _limit == long.MaxValue)
        {
            return true;
        }

        if (Interlocked.CompareExchange(ref _overdraftOwner, owner, null) is null || ReferenceEquals(Volatile.Read(ref _overdraftOwner), owner))
        {
            return true;
        }

        Release(bytes);
        return false;
    }

    /// <summary>Counts <paramref name="bytes"/> without waiting: for small requests already received whole,
    /// so heartbeats and metadata keep flowing while large requests wait for memory.</summary>
    public void ReserveNow(long bytes) => Interlocked.Add(ref _used, bytes);

    /// <summary>Waits until <paramref name="bytes"/> can be reserved (the connection is muted meanwhile).</summary>
    public async ValueTask ReserveAsync(object owner, long bytes, CancellationToken cancellationToken)
    {
        while (!TryReserve(owner, bytes))
        {
            Interlocked.Increment(ref _waiters);
            try
            {
                var released = Volatile.Read(ref _released).Task;
                // Re-check after registering, so a release between the failed try and the wait is not missed.
                if (TryReserve(owner, bytes))
                {
                    return;
                }

                await released.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _waiters);
            }
        }
    }

    public void Release(long bytes)
    {
        var used = Interlocked.Add(ref _used, -bytes);
        if (Volatile.Read(ref _waiters) > 0)
        {
            Interlocked.Exchange(ref _released, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        if (Volatile.Read(ref _droppedLarge) >= CollectAfterDroppedBytes && used < CollectBelowUsedBytes)
        {
            CollectDropped();
        }
    }

    /// <summary>The owner's request is complete (or gone): another connection may overdraw now.</summary>
    public void EndOverdraft(object owner)
    {
        if (Volatile.Read(ref _overdraftOwner) is { } current && ReferenceEquals(current, owner))
        {
            Volatile.Write(ref _overdraftOwner, null);
            if (Volatile.Read(ref _waiters) > 0)
            {
                Interlocked.Exchange(ref _released, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
        }
    }

    /// <summary>An array for a request buffer of <paramref name="length"/> bytes (already reserved).</summary>
    public static byte[] Rent(int length) =>
        length <= PooledMaxBytes ? ArrayPool<byte>.Shared.Rent(length) : GC.AllocateUninitializedArray<byte>(length);

    public void Return(byte[] array)
    {
        if (array.Length <= PooledMaxBytes)
        {
            ArrayPool<byte>.Shared.Return(array);
            return;
        }

        // Large buffers are garbage now; see CollectDropped.
        Interlocked.Add(ref _droppedLarge, array.Length);
    }

    /// <summary>
    /// Without allocation pressure the GC would keep the pages of dropped large buffers indefinitely,
    /// so a burst of huge requests would leave the broker's RSS at its peak. A second after little is
    /// reserved any more, one collection gives them back to the OS.
    /// </summary>
    private void CollectDropped()
    {
        if (Interlocked.Exchange(ref _collectScheduled, 1) == 0)
        {
            _collectTimer ??= _time.CreateTimer(static s => ((RequestMemoryPool)s!).OnCollectTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _collectTimer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        }
    }

    private void OnCollectTimer()
    {
        Volatile.Write(ref _collectScheduled, 0);
        if (Used >= CollectBelowUsedBytes)
        {
            // Busy again: the next release that brings it down schedules another try.
            return;
        }

        var now = _time.GetTimestamp();
        if (_lastCollect != 0 && _time.GetElapsedTime(_lastCollect, now) < MinCollectInterval)
        {
            // A steady stream of huge requests should not mean a full collection each second.
            if (Interlocked.Exchange(ref _collectScheduled, 1) == 0)
            {
                _collectTimer!.Change(MinCollectInterval - _time.GetElapsedTime(_lastCollect, now), Timeout.InfiniteTimeSpan);
            }

            return;
        }

        _lastCollect = now;
        Volatile.Write(ref _droppedLarge, 0);
        // Only an aggressive collection decommits the freed regions; a forced one keeps them for reuse.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
