using Weir.Protocol;

namespace Weir.Broker.Partitions;

/// <summary>
/// An acks=-1 produce waiting for its partitions' high watermarks (Kafka's DelayedProduce in the
/// produce purgatory). Each partition it waits on wakes it when its high watermark, ISR or leadership
/// changes; it completes when every partition is decided (replicated, or failed with
/// NOT_ENOUGH_REPLICAS_AFTER_APPEND / NOT_LEADER_OR_FOLLOWER), or at the request timeout, when the
/// undecided ones get REQUEST_TIMED_OUT. One timer per request, no polling.
/// </summary>
public sealed class DelayedProduce : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<Entry> _entries = [];
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private ITimer? _timer;
    private int _pending;
    private bool _started;
    private bool _completed;

    public DelayedProduce(TimeProvider time, TimeSpan timeout)
    {
        _time = time;
        _timeout = timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout;
    }

    /// <summary>Completes when every partition is decided or the timeout passed.</summary>
    public Task Completion => _completion.Task;

    public int Count => _entries.Count;

    /// <summary>Waits for <paramref name="partition"/>'s high watermark to reach <paramref name="requiredOffset"/> (the appended batch's last offset + 1).</summary>
    public void Add(Partition partition, long requiredOffset)
    {
        if (_started)
        {
            throw new InvalidOperationException("Partitions are added before Start.");
        }

        _entries.Add(new Entry(partition, requiredOffset));
    }

    /// <summary>The outcome of the <paramref name="index"/>th partition added (valid once <see cref="Completion"/> is done).</summary>
    public ErrorCode ErrorOf(int index) => _entries[index].Error;

    /// <summary>Starts watching: partitions decided already complete now, the others when woken or at the timeout.</summary>
    public void Start()
    {
        lock (_lock)
        {
            _started = true;
            _pending = _entries.Count;
        }

        // Watch first, then check: a high watermark advancing in between still wakes us.
        foreach (var entry in _entries)
        {
            entry.Partition.Watch(this);
        }

        foreach (var entry in _entries)
        {
            TryComplete(entry.Partition);
        }

        lock (_lock)
        {
            if (!_completed)
            {
                _timer = _time.CreateTimer(static state => ((DelayedProduce)state!).Expire(), this, _timeout, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>Checks the entries of <paramref name="partition"/> again; true when this produce is complete.</summary>
    internal bool TryComplete(Partition partition)
    {
        lock (_lock)
        {
            if (_completed || !_started)
            {
                return _completed;
            }

            foreach (var entry in _entries)
            {
                if (entry.Pending && entry.Partition == partition && partition.CheckEnoughReplicasReachOffset(entry.RequiredOffset, out var error))
                {
                    entry.Pending = false;
                    entry.Error = error;
                    _pending--;
                }
            }

            if (_pending > 0)
            {
                return false;
            }

            _completed = true;
        }

        Finish();
        return true;
    }

    private void Expire()
    {
        lock (_lock)
        {
            if (_completed)
            {
                return;
            }

            foreach (var entry in _entries)
            {
                if (entry.Pending)
                {
                    entry.Pending = false;
                    entry.Error = ErrorCode.RequestTimedOut;
                }
            }

            _pending = 0;
            _completed = true;
        }

        Finish();
    }

    private void Finish()
    {
        _timer?.Dispose();
        foreach (var entry in _entries)
        {
            entry.Partition.Unwatch(this);
        }

        _completion.TrySetResult();
    }

    /// <summary>Stops waiting (the connection went away): stops the timer and the watches; the task never completes.</summary>
    public void Dispose()
    {
        bool wasCompleted;
        lock (_lock)
        {
            wasCompleted = _completed;
            _completed = true;
        }

        if (!wasCompleted)
        {
            _timer?.Dispose();
            foreach (var entry in _entries)
            {
                entry.Partition.Unwatch(this);
            }
        }
    }

    private sealed class Entry(Partition partition, long requiredOffset)
    {
        public Partition Partition { get; } = partition;

        public long RequiredOffset { get; } = requiredOffset;

        public bool Pending { get; set; } = true;

        public ErrorCode Error { get; set; }
    }
}
