using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Weir.Client.Cluster;
using Weir.Protocol;

namespace Weir.Client.Consumer;

/// <summary>
/// A Kafka consumer: subscribes in a group (classic protocol, range / roundrobin /
/// cooperative-sticky) or is assigned partitions by hand, and hands out records through
/// <see cref="ConsumeAsync"/> or <see cref="PollAsync(TimeSpan, CancellationToken)"/>. Fetching runs ahead in background loops
/// (one per partition leader, on <see cref="ConnectionLane.Fetch"/>) into a bounded buffer, so a
/// slow handler never stalls the network. Like Kafka's consumer, one flow uses it at a time:
/// rebalances and their callbacks run inside ConsumeAsync / PollAsync.
/// </summary>
public sealed partial class KafkaConsumer : IAsyncDisposable
{
    /// <summary>Completed fetches one partition may have waiting: one being read plus one ahead.</summary>
    private const int MaxBufferedPerPartition = 2;

    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(100);

    private readonly ConsumerOptions _options;
    private readonly KafkaCluster _cluster;
    private readonly Lock _lock = new();
    private readonly Dictionary<TopicPartition, PartitionState> _partitions = [];
    private readonly Channel<CompletedFetch> _completed = Channel.CreateUnbounded<CompletedFetch>(new UnboundedChannelOptions { SingleReader = true });
    private readonly AsyncSignal _fetchSignal = new();
    private readonly Dictionary<int, Task> _fetchers = [];
    private readonly CancellationTokenSource _closing = new();
    private ConsumeResult[] _decoded = new ConsumeResult[512];
    private int _decodedIndex;
    private int _decodedCount;
    private CompletedFetch? _decodedFrom;
    private long _decodedEndOffset;
    private PendingCorrupt? _pendingCorrupt;
    private Exception? _fetchError;
    private volatile bool _metadataRefreshNeeded;
    private volatile bool _positionsNeeded;
    private volatile bool _fetchersDirty;
    private long _nextMetadataRefreshMs;
    private int _disposed;

    public KafkaConsumer(ConsumerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _cluster = new KafkaCluster(options);
        _assignors = CreateAssignors(options.PartitionAssignmentStrategy);
    }

    /// <summary>Creates a consumer from Kafka-named properties (bootstrap.servers, group.id, ...).</summary>
    public static KafkaConsumer Create(IEnumerable<KeyValuePair<string, string>> properties)
    {
        var options = new ConsumerOptions();
        foreach (var (name, value) in properties)
        {
            if (!options.TrySet(name, value))
            {
                throw new ArgumentException($"Unknown consumer property '{name}'.");
            }
        }

        return new KafkaConsumer(options);
    }

    public ConsumerOptions Options => _options;

    /// <summary>The client's cluster view (metadata, connections), shared with nothing else.</summary>
    public KafkaCluster Cluster => _cluster;

    /// <summary>The partitions currently assigned (by the group or by <see cref="Assign"/>).</summary>
    public IReadOnlyCollection<TopicPartition> Assignment
    {
        get
        {
            lock (_lock)
            {
                return [.. _partitions.Keys];
            }
        }
    }

    /// <summary>Assigned partitions that are paused.</summary>
    public IReadOnlyCollection<TopicPartition> Paused
    {
        get
        {
            lock (_lock)
            {
                var result = new List<TopicPartition>();
                foreach (var state in _partitions.Values)
                {
                    if (state.Paused)
                    {
                        result.Add(state.Partition);
                    }
                }

                return result;
            }
        }
    }

    /// <summary>Takes exactly these partitions, without group membership (offsets are still committed to group.id if set).</summary>
    public void Assign(IEnumerable<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ThrowIfDisposed();
        if (_mode is SubscriptionMode.Topics or SubscriptionMode.Pattern)
        {
            throw new InvalidOperationException("Subscription to topics, partitions and pattern are mutually exclusive: unsubscribe before assigning partitions.");
        }

        _mode = SubscriptionMode.Manual;
        SetAssignment(new HashSet<TopicPartition>(partitions));
    }

    /// <summary>Moves the position of an assigned partition; the next record handed out is at <paramref name="offset"/>.</summary>
    public void Seek(TopicPartition partition, long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        lock (_lock)
        {
            var state = Require(partition);
            state.Position = offset;
            state.FetchPosition = offset;
            state.NeedsPosition = false;
            state.ResetTo = null;
            state.Epoch++;
        }

        _fetchSignal.Set();
    }

    /// <summary>Moves to the log start offset of each partition (looked up on the next poll or position call).</summary>
    public void SeekToBeginning(IEnumerable<TopicPartition> partitions) => Reset(partitions, AutoOffsetReset.Earliest);

    /// <summary>Moves to the end of each partition (looked up on the next poll or position call).</summary>
    public void SeekToEnd(IEnumerable<TopicPartition> partitions) => Reset(partitions, AutoOffsetReset.Latest);

    /// <summary>Stops fetching these partitions until <see cref="Resume"/>; records already buffered for them are not handed out.</summary>
    public void Pause(IEnumerable<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        lock (_lock)
        {
            foreach (var tp in partitions)
            {
                var state = Require(tp);
                if (!state.Paused)
                {
                    state.Paused = true;
                    state.Epoch++;
                    state.FetchPosition = state.Position;
                }
            }
        }
    }

    public void Resume(IEnumerable<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        lock (_lock)
        {
            foreach (var tp in partitions)
            {
                Require(tp).Paused = false;
            }
        }

        _fetchSignal.Set();
    }

    /// <summary>The offset of the next record to be handed out for <paramref name="partition"/> (looked up when not known yet).</summary>
    public async Task<long> PositionAsync(TopicPartition partition, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        while (true)
        {
            lock (_lock)
            {
                var state = Require(partition);
                if (!state.NeedsPosition)
                {
                    return state.Position;
                }
            }

            await UpdatePositionsAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Up to max.poll.records records, waiting at most <paramref name="timeout"/> for the first;
    /// an empty list when none came. Runs any pending rebalance (and its callbacks) first.
    /// </summary>
    public async Task<IReadOnlyList<ConsumeResult>> PollAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var buffer = new ConsumeResult[_options.MaxPollRecords];
        var count = await PollAsync(buffer, timeout, cancellationToken).ConfigureAwait(false);
        if (count == 0)
        {
            return [];
        }

        if (count < buffer.Length)
        {
            Array.Resize(ref buffer, count);
        }

        return buffer;
    }

    /// <summary>
    /// Like <see cref="PollAsync(TimeSpan, CancellationToken)"/>, into the caller's (reusable)
    /// buffer: no allocation per poll. Returns how many records were written (0 on timeout).
    /// </summary>
    public async ValueTask<int> PollAsync(Memory<ConsumeResult> buffer, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (buffer.IsEmpty)
        {
            throw new ArgumentException("The buffer must hold at least one record.", nameof(buffer));
        }

        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            if (_decodedIndex < _decodedCount)
            {
                var from = _decodedFrom!;
                if (from.State.Epoch == from.Epoch)
                {
                    var n = Math.Min(_decodedCount - _decodedIndex, buffer.Length);
                    _decoded.AsSpan(_decodedIndex, n).CopyTo(buffer.Span);
                    _decodedIndex += n;
                    from.State.Position = _decoded[_decodedIndex - 1].Offset + 1;
                    if (_decodedIndex == _decodedCount)
                    {
                        FinishDecoded();
                    }

                    return n;
                }

                FinishDecoded();
            }

            if (!await FillAsync(deadline, cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }
        }
    }

    /// <summary>Records as they arrive, until cancelled. The position moves past each record as it is yielded.</summary>
    public async IAsyncEnumerable<ConsumeResult> ConsumeAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            while (_decodedIndex < _decodedCount)
            {
                var from = _decodedFrom!;
                if (from.State.Epoch != from.Epoch)
                {
                    FinishDecoded();
                    break;
                }

                var record = _decoded[_decodedIndex++];
                from.State.Position = record.Offset + 1;
                if (_decodedIndex == _decodedCount)
                {
                    FinishDecoded();
                }

                yield return record;
            }

            await FillAsync(long.MaxValue, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Fetches the next completed fetch into the decode buffer; false when the deadline passed first.</summary>
    private async Task<bool> FillAsync(long deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            ThrowIfDisposed();
            var error = Interlocked.Exchange(ref _fetchError, null);
            if (error is not null)
            {
                throw error is KafkaException ? error : new KafkaException(ErrorCode.UnknownServerError, error.Message, error);
            }

            ThrowIfCorrupt();

            if (NeedsMaintenance())
            {
                await MaintainAsync(cancellationToken).ConfigureAwait(false);
            }

            while (_completed.Reader.TryRead(out var fetch))
            {
                lock (_lock)
                {
                    fetch.State.Buffered--;
                }

                _fetchSignal.Set();
                if (Decode(fetch))
                {
                    return true;
                }

                ThrowIfCorrupt();
            }

            var remaining = deadline - Environment.TickCount64;
            if (remaining <= 0)
            {
                return false;
            }

            var wait = remaining < IdleWait.TotalMilliseconds ? TimeSpan.FromMilliseconds(remaining) : IdleWait;
            try
            {
                await _completed.Reader.WaitToReadAsync(cancellationToken).AsTask().WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    /// <summary>
    /// Fails at a corrupt batch found by <see cref="Decode"/> once the records before it were handed
    /// out, and stays there: the position is the batch's offset and fetching restarts from it, so
    /// every poll fails the same way until the application seeks past it (as Java's consumer).
    /// </summary>
    private void ThrowIfCorrupt()
    {
        var pending = _pendingCorrupt;
        if (pending is null || _decodedIndex < _decodedCount)
        {
            return;
        }

        _pendingCorrupt = null;
        lock (_lock)
        {
            if (pending.State.Epoch != pending.Epoch || !pending.State.Assigned)
            {
                return; // the application sought elsewhere or lost the partition meanwhile
            }

            pending.State.Position = pending.Offset;
            pending.State.FetchPosition = pending.Offset;
            pending.State.Epoch++;
        }

        _fetchSignal.Set();
        throw pending.Error;
    }

    private sealed record PendingCorrupt(PartitionState State, int Epoch, long Offset, KafkaException Error);

    /// <summary>The decode buffer was handed out: the position moves past anything the fetch held (control batches, aborted records).</summary>
    private void FinishDecoded()
    {
        var from = _decodedFrom;
        if (from is not null && from.State.Epoch == from.Epoch && from.State.Position < _decodedEndOffset)
        {
            from.State.Position = _decodedEndOffset;
        }

        _decodedIndex = _decodedCount = 0;
        _decodedFrom = null;
    }

    private bool NeedsMaintenance() =>
        _positionsNeeded || _fetchersDirty || _metadataRefreshNeeded || GroupNeedsAttention();

    private async Task MaintainAsync(CancellationToken cancellationToken)
    {
        await EnsureGroupActiveAsync(cancellationToken).ConfigureAwait(false);
        if (_metadataRefreshNeeded && Environment.TickCount64 >= _nextMetadataRefreshMs)
        {
            _metadataRefreshNeeded = false;
            _nextMetadataRefreshMs = Environment.TickCount64 + (long)_options.RetryBackoff.TotalMilliseconds;
            await RefreshAssignedMetadataAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_positionsNeeded)
        {
            await UpdatePositionsAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_fetchersDirty)
        {
            StartFetchers();
        }

        MaybeAutoCommit();
    }

    private async Task RefreshAssignedMetadataAsync(CancellationToken cancellationToken)
    {
        var topics = new HashSet<string>(StringComparer.Ordinal);
        lock (_lock)
        {
            foreach (var tp in _partitions.Keys)
            {
                topics.Add(tp.Topic);
            }
        }

        if (topics.Count > 0)
        {
            try
            {
                await _cluster.RefreshMetadataAsync(topics, false, cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex) when (ex.IsRetriable || ex.ErrorCode == ErrorCode.NetworkException)
            {
                _metadataRefreshNeeded = true;
            }
        }

        _fetchersDirty = true;
    }

    /// <summary>Starts a fetch loop for every leader of an assigned partition that has none.</summary>
    private void StartFetchers()
    {
        _fetchersDirty = false;
        var metadata = _cluster.Metadata;
        var missingLeader = false;
        lock (_lock)
        {
            foreach (var state in _partitions.Values)
            {
                var leader = LeaderOf(metadata, state.Partition);
                if (leader < 0 || !metadata.Brokers.ContainsKey(leader))
                {
                    missingLeader = true;
                    continue;
                }

                if (!_fetchers.ContainsKey(leader))
                {
                    var token = _closing.Token;
                    _fetchers[leader] = Task.Run(() => FetchLoopAsync(leader, token), CancellationToken.None);
                }
            }
        }

        if (missingLeader)
        {
            _metadataRefreshNeeded = true;
        }
    }

    internal static int LeaderOf(ClusterMetadata metadata, TopicPartition tp) =>
        metadata.Topic(tp.Topic)?.Partition(tp.Partition)?.Leader ?? -1;

    /// <summary>Finds positions for partitions without one: the committed offset, else auto.offset.reset (or the seek's reset).</summary>
    private async Task UpdatePositionsAsync(CancellationToken cancellationToken)
    {
        _positionsNeeded = false;
        var needCommitted = new List<TopicPartition>();
        var needReset = new Dictionary<TopicPartition, (int Epoch, AutoOffsetReset Reset)>();
        var epochs = new Dictionary<TopicPartition, int>();
        lock (_lock)
        {
            foreach (var state in _partitions.Values)
            {
                if (!state.NeedsPosition)
                {
                    continue;
                }

                epochs[state.Partition] = state.Epoch;
                if (state.ResetTo is null && _options.GroupId is not null)
                {
                    needCommitted.Add(state.Partition);
                }
                else
                {
                    needReset[state.Partition] = (state.Epoch, state.ResetTo ?? _options.AutoOffsetReset);
                }
            }
        }

        if (epochs.Count == 0)
        {
            return;
        }

        try
        {
            if (needCommitted.Count > 0)
            {
                var coordinator = await EnsureCoordinatorAsync(cancellationToken).ConfigureAwait(false);
                var committed = await _cluster.FetchCommittedOffsetsAsync(_options.GroupId!, needCommitted, coordinator, cancellationToken).ConfigureAwait(false);
                lock (_lock)
                {
                    foreach (var tp in needCommitted)
                    {
                        if (committed.TryGetValue(tp, out var offset))
                        {
                            if (_partitions.TryGetValue(tp, out var state) && state.Epoch == epochs[tp] && state.NeedsPosition)
                            {
                                SetPosition(state, offset.Offset);
                            }
                        }
                        else
                        {
                            needReset[tp] = (epochs[tp], _options.AutoOffsetReset);
                        }
                    }
                }
            }

            var timestamps = new Dictionary<TopicPartition, long>();
            foreach (var (tp, (_, reset)) in needReset)
            {
                if (reset == AutoOffsetReset.None)
                {
                    throw new KafkaException(ErrorCode.OffsetOutOfRange, $"No valid offset for partition {tp} and auto.offset.reset is none");
                }

                timestamps[tp] = reset == AutoOffsetReset.Earliest ? -2 : -1;
            }

            if (timestamps.Count > 0)
            {
                var listed = await _cluster.ListOffsetsAsync(timestamps, _options.IsolationLevel, cancellationToken).ConfigureAwait(false);
                lock (_lock)
                {
                    foreach (var (tp, (epoch, _)) in needReset)
                    {
                        if (!listed.TryGetValue(tp, out var answer) || answer.Error != ErrorCode.None)
                        {
                            _positionsNeeded = true;
                            _metadataRefreshNeeded = true;
                            var error = listed.ContainsKey(tp) ? answer.Error : ErrorCode.UnknownTopicOrPartition;
                            if (!error.IsRetriable() && error != ErrorCode.UnknownTopicOrPartition)
                            {
                                throw new KafkaException(error, $"ListOffsets for {tp}");
                            }

                            continue;
                        }

                        if (_partitions.TryGetValue(tp, out var state) && state.Epoch == epoch && state.NeedsPosition)
                        {
                            SetPosition(state, answer.Offset);
                        }
                    }
                }
            }
        }
        catch (KafkaException ex) when (ex.IsRetriable || ex.ErrorCode == ErrorCode.NetworkException)
        {
            _positionsNeeded = true;
            _metadataRefreshNeeded = true;
            await Task.Delay(_options.RetryBackoff, cancellationToken).ConfigureAwait(false);
        }

        _fetchersDirty = true;
        _fetchSignal.Set();
    }

    private static void SetPosition(PartitionState state, long offset)
    {
        state.Position = offset;
        state.FetchPosition = offset;
        state.NeedsPosition = false;
        state.ResetTo = null;
        state.Epoch++;
    }

    /// <summary>Replaces the assignment: states of partitions kept stay as they are.</summary>
    private void SetAssignment(HashSet<TopicPartition> partitions)
    {
        lock (_lock)
        {
            foreach (var (tp, state) in _partitions)
            {
                if (!partitions.Contains(tp))
                {
                    state.Assigned = false;
                    state.Epoch++;
                }
            }

            foreach (var tp in new List<TopicPartition>(_partitions.Keys))
            {
                if (!partitions.Contains(tp))
                {
                    _partitions.Remove(tp);
                }
            }

            foreach (var tp in partitions)
            {
                if (!_partitions.ContainsKey(tp))
                {
                    _partitions[tp] = new PartitionState(tp);
                }
            }
        }

        _positionsNeeded = true;
        _fetchersDirty = true;
        _metadataRefreshNeeded = true;
        _fetchSignal.Set();
    }

    private void Reset(IEnumerable<TopicPartition> partitions, AutoOffsetReset reset)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        lock (_lock)
        {
            foreach (var tp in partitions)
            {
                var state = Require(tp);
                state.NeedsPosition = true;
                state.ResetTo = reset;
                state.Epoch++;
            }
        }

        _positionsNeeded = true;
    }

    private PartitionState Require(TopicPartition partition) =>
        _partitions.TryGetValue(partition, out var state)
            ? state
            : throw new InvalidOperationException($"No current assignment for partition {partition}");

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>Commits (when auto commit is on), leaves the group and closes connections, within a bounded time.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await CloseGroupAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is KafkaException or OperationCanceledException or ObjectDisposedException)
            {
                // Closing is best effort: the group's session timeout covers a member that could not say goodbye.
            }
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        Task[] loops;
        lock (_lock)
        {
            loops = [.. _fetchers.Values];
        }

        try
        {
            await Task.WhenAll([.. loops, _heartbeatLoop ?? Task.CompletedTask]).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
        }

        await _cluster.DisposeAsync().ConfigureAwait(false);
        _closing.Dispose();
    }
}
