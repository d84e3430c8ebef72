using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Weir.Client.Cluster;
using Weir.Protocol;
using Weir.Protocol.Records;

namespace Weir.Client.Producer;

/// <summary>
/// Produces records to Kafka topics. Records are batched per partition (batch.size, linger.ms),
/// compressed, and sent by one background sender with up to max.in.flight.requests.per.connection
/// requests per broker. Idempotence is on by default as in the Java client. Thread-safe.
/// </summary>
public sealed partial class KafkaProducer : IAsyncDisposable
{
    private const int RecordOverhead = 5 + 1 + 10 + 5 + 5 + 5 + 5; // varint lengths, attributes, deltas, header count

    private readonly ProducerOptions _options;
    private readonly KafkaCluster _cluster;
    private readonly ConcurrentDictionary<string, TopicState> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ProducerBatch> _batchPool = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly object _memoryLock = new();
    private readonly object _idleLock = new();
    private readonly bool _idempotent;
    private TaskCompletionSource? _idle;
    private long _bufferedBytes;
    private long _pendingRecords;
    private int _memoryWaiters;
    private long _nextBatchId;
    private volatile bool _closing;
    private bool _disposed;

    public KafkaProducer(ProducerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _idempotent = ResolveIdempotence(options);
        if (options.BatchSize < 1 || options.MaxInFlightRequestsPerConnection < 1)
        {
            throw new ArgumentException("batch.size and max.in.flight.requests.per.connection must be at least 1.");
        }

        _cluster = new KafkaCluster(options);
        _senderLoop = Task.Run(SenderLoopAsync);
    }

    /// <summary>Whether this producer is idempotent (after Java's rules on acks, retries and max.in.flight).</summary>
    public bool IsIdempotent => _idempotent;

    /// <summary>The settings in use.</summary>
    public ProducerOptions Options => _options;

    /// <summary>Produces one record; the task completes when the broker acknowledged it (per acks) or it failed.</summary>
    public Task<RecordMetadata> ProduceAsync(
        string topic,
        byte[]? key,
        byte[]? value,
        IReadOnlyList<RecordHeader>? headers = null,
        long? timestamp = null,
        int? partition = null,
        CancellationToken cancellationToken = default)
    {
        var completion = new TaskCompletionSource<RecordMetadata>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(topic, key, key is null, value, value is null, headers, timestamp, partition, completion, 0);
        return completion.Task;
    }

    /// <summary>Produces one record with strings as UTF-8.</summary>
    public Task<RecordMetadata> ProduceAsync(string topic, string? key, string? value, IReadOnlyList<RecordHeader>? headers = null, CancellationToken cancellationToken = default) =>
        ProduceAsync(topic, key is null ? null : Encoding.UTF8.GetBytes(key), value is null ? null : Encoding.UTF8.GetBytes(value), headers, null, null, cancellationToken);

    /// <summary>
    /// Fire-and-forget produce: <paramref name="callback"/> (if any) is called on the sender's thread
    /// with the metadata or the error. May block up to max.block.ms for buffer space.
    /// </summary>
    public void Produce(
        string topic,
        byte[]? key,
        byte[]? value,
        Action<RecordMetadata?, Exception?>? callback = null,
        IReadOnlyList<RecordHeader>? headers = null,
        long? timestamp = null,
        int? partition = null) =>
        Enqueue(topic, key, key is null, value, value is null, headers, timestamp, partition, callback, 0);

    /// <summary>
    /// The allocation-free form: key and value are copied into the batch at once, and
    /// <paramref name="handler"/> gets <paramref name="state"/> back with the outcome.
    /// </summary>
    public void Produce(
        string topic,
        ReadOnlySpan<byte> key,
        bool keyIsNull,
        ReadOnlySpan<byte> value,
        bool valueIsNull,
        IDeliveryHandler? handler,
        long state,
        IReadOnlyList<RecordHeader>? headers = null,
        long? timestamp = null,
        int? partition = null) =>
        Enqueue(topic, key, keyIsNull, value, valueIsNull, headers, timestamp, partition, handler, state);

    /// <summary>Sends everything produced so far without waiting for linger.ms and waits until all of it completed.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _flushing);
        try
        {
            Wake();
            await WaitForIdleAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _flushing);
        }
    }

    /// <summary>Flushes (for at most <see cref="ProducerOptions.CloseTimeout"/>), fails whatever is left and closes the connections.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _closing = true;
        Wake();
        try
        {
            await WaitForIdleAsync(CancellationToken.None).WaitAsync(_options.CloseTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Broker gone or too slow: what is left fails below.
        }

        await _shutdown.CancelAsync().ConfigureAwait(false);
        Wake();
        var bound = TimeSpan.FromSeconds(5);
        await Task.WhenAny(_senderLoop, Task.Delay(bound)).ConfigureAwait(false);
        FailAllQueued(new KafkaException(ErrorCode.RequestTimedOut, "The producer was closed before these records were sent."));
        await Task.WhenAny(_cluster.DisposeAsync().AsTask(), Task.Delay(bound)).ConfigureAwait(false);
        while (_batchPool.TryDequeue(out var batch))
        {
            batch.Dispose();
        }
    }

    /// <summary>
    /// Appends at once when the topic's partitions are known; otherwise keeps the record (in order)
    /// until metadata arrives, waiting up to max.block.ms and letting the broker auto-create the topic.
    /// </summary>
    private void Enqueue(
        string topic,
        ReadOnlySpan<byte> key,
        bool keyIsNull,
        ReadOnlySpan<byte> value,
        bool valueIsNull,
        IReadOnlyList<RecordHeader>? headers,
        long? timestamp,
        int? partition,
        object? completion,
        long state)
    {
        ObjectDisposedException.ThrowIf(_closing, this);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (!_topics.TryGetValue(topic, out var topicState))
        {
            topicState = _topics.GetOrAdd(topic, static name => new TopicState(name));
        }

        var partitions = topicState.Partitions;
        if (partitions.Length == 0)
        {
            // Records waiting for metadata count against buffer.memory too (reserved before taking
            // the lock, which the metadata lookup needs to hand them over).
            var size = RecordSize(key, keyIsNull, value, valueIsNull, headers);
            ReserveMemory(size);
            lock (topicState)
            {
                partitions = topicState.Partitions;
                if (partitions.Length == 0)
                {
                    Interlocked.Increment(ref _pendingRecords);
                    (topicState.Waiting ??= []).Add(new PendingRecord(
                        keyIsNull ? null : key.ToArray(),
                        valueIsNull ? null : value.ToArray(),
                        headers,
                        timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                        partition,
                        completion,
                        state));
                    if (!topicState.LookingUp)
                    {
                        topicState.LookingUp = true;
                        StartLookup(topicState);
                    }

                    return;
                }
            }

            Append(topicState, partitions, partition, key, keyIsNull, value, valueIsNull, headers, timestamp, completion, state, reserved: true);
            return;
        }

        Append(topicState, partitions, partition, key, keyIsNull, value, valueIsNull, headers, timestamp, completion, state);
    }

    private static int RecordSize(ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull, IReadOnlyList<RecordHeader>? headers)
    {
        var size = RecordOverhead + (keyIsNull ? 0 : key.Length) + (valueIsNull ? 0 : value.Length);
        var headerCount = headers?.Count ?? 0;
        for (var i = 0; i < headerCount; i++)
        {
            var header = headers![i];
            size += 10 + Encoding.UTF8.GetByteCount(header.Key) + (header.Value?.Length ?? 0);
        }

        return size;
    }

    // A method of its own: a lambda in Enqueue would allocate its closure on every call.
    private void StartLookup(TopicState topicState) => _ = Task.Run(() => LookupTopicAsync(topicState));

    private async Task LookupTopicAsync(TopicState topicState)
    {
        var topic = topicState.Name;
        var deadline = DateTime.UtcNow + _options.MaxBlock;
        KafkaException? failure = null;
        TopicMetadata? metadata = null;
        while (metadata is null)
        {
            try
            {
                metadata = await _cluster.GetTopicAsync(topic, _options.AllowAutoCreateTopics, _shutdown.Token).ConfigureAwait(false);
            }
            catch (KafkaException ex) when ((ex.IsRetriable || ex.ErrorCode == ErrorCode.UnknownTopicOrPartition) && DateTime.UtcNow < deadline && !_closing)
            {
                await Task.Delay(_options.RetryBackoff).ConfigureAwait(false);
            }
            catch (KafkaException ex) when (ex.IsRetriable || ex.ErrorCode == ErrorCode.UnknownTopicOrPartition)
            {
                failure = new KafkaException(ex.ErrorCode, $"Topic {topic} not present in metadata after {_options.MaxBlock.TotalMilliseconds:0} ms ({ex.Message})", ex);
                break;
            }
            catch (KafkaException ex)
            {
                failure = ex;
                break;
            }
            catch (OperationCanceledException)
            {
                failure = new KafkaException(ErrorCode.RequestTimedOut, $"The producer was closed before metadata for topic {topic} arrived.");
                break;
            }
        }

        lock (topicState)
        {
            var waiting = topicState.Waiting ?? [];
            topicState.Waiting = null;
            topicState.LookingUp = false;
            if (metadata is not null)
            {
                // Records kept while waiting go first, in order; only then do new ones see the partitions.
                var partitions = UpdateTopic(topicState, metadata, publish: false);
                foreach (var r in waiting)
                {
                    Append(topicState, partitions, r.Partition, r.Key, r.Key is null, r.Value, r.Value is null, r.Headers, r.Timestamp, r.Completion, r.State, reserved: true);
                }

                topicState.Partitions = partitions;
            }

            Interlocked.Add(ref _pendingRecords, -waiting.Count);
            if (failure is not null)
            {
                foreach (var r in waiting)
                {
                    ReleaseMemory(RecordSize(r.Key, r.Key is null, r.Value, r.Value is null, r.Headers));
                    Complete(r.Completion, r.State, default, failure);
                }
            }
        }

        RecordsDone(0, 0);
    }

    private void Append(
        TopicState topic,
        PartitionState[] partitions,
        int? explicitPartition,
        ReadOnlySpan<byte> key,
        bool keyIsNull,
        ReadOnlySpan<byte> value,
        bool valueIsNull,
        IReadOnlyList<RecordHeader>? headers,
        long? timestamp,
        object? completion,
        long state,
        bool reserved = false)
    {
        var size = RecordSize(key, keyIsNull, value, valueIsNull, headers);
        var headerCount = headers?.Count ?? 0;
        if (size + RecordBatchHeader.Size > _options.MaxRequestSize)
        {
            if (reserved)
            {
                ReleaseMemory(size);
            }

            Complete(completion, state, default, new KafkaException(
                ErrorCode.MessageTooLarge,
                $"The message is {size + RecordBatchHeader.Size} bytes when serialized which is larger than {_options.MaxRequestSize}, which is the value of the max.request.size configuration."));
            return;
        }

        int partition;
        if (explicitPartition is { } p)
        {
            if (p < 0 || p >= partitions.Length)
            {
                if (reserved)
                {
                    ReleaseMemory(size);
                }

                Complete(completion, state, default, new KafkaException(
                    ErrorCode.UnknownTopicOrPartition,
                    $"Invalid partition given with record: {p} is not in the range [0...{partitions.Length}]."));
                return;
            }

            partition = p;
        }
        else
        {
            partition = ChoosePartition(topic, partitions.Length, key, keyIsNull);
        }

        if (!reserved)
        {
            ReserveMemory(size);
        }

        Interlocked.Increment(ref _pendingRecords);
        var ts = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var target = partitions[partition];
        RecordHeaderData[]? headerData = null;
        if (headerCount > 0)
        {
            headerData = ArrayPool<RecordHeaderData>.Shared.Rent(headerCount);
            for (var i = 0; i < headerCount; i++)
            {
                var header = headers![i];
                headerData[i] = new RecordHeaderData(header.Key, header.Value);
            }
        }

        var wake = false;
        lock (target.Lock)
        {
            var batch = target.Current;
            if (batch is not null && batch.Builder.UncompressedSizeInBytes + size > _options.BatchSize)
            {
                Seal(target);
                batch = null;
                wake = true;
            }

            if (batch is null)
            {
                batch = RentBatch(target);
                target.Current = batch;
                wake = true;
            }

            batch.Builder.Append(ts, key, keyIsNull, value, valueIsNull, headerData.AsSpan(0, headerCount));
            batch.Add(completion, state, ts);
            batch.Bytes += size;
            if (batch.Builder.UncompressedSizeInBytes >= _options.BatchSize)
            {
                Seal(target);
            }
        }

        if (headerData is not null)
        {
            Array.Clear(headerData, 0, headerCount);
            ArrayPool<RecordHeaderData>.Shared.Return(headerData);
        }

        if (wake)
        {
            Wake();
        }
    }

    private int ChoosePartition(TopicState topic, int count, ReadOnlySpan<byte> key, bool keyIsNull)
    {
        switch (_options.Partitioner)
        {
            case Partitioner.Murmur2Random when !keyIsNull:
            case Partitioner.Murmur2:
                return PartitionHash.Murmur2Partition(keyIsNull ? default : key, count);
            case Partitioner.ConsistentRandom when !keyIsNull:
            case Partitioner.Consistent:
                return PartitionHash.Crc32Partition(keyIsNull ? default : key, count);
            case Partitioner.Murmur2Random:
                var sticky = topic.StickyPartition;
                if (sticky < 0 || sticky >= count)
                {
                    // Negative: -1 - the partition just left, which the next pick avoids (as Java's).
                    var previous = sticky == int.MinValue ? -1 : -1 - sticky;
                    sticky = count <= 1 || previous < 0 || previous >= count
                        ? Random.Shared.Next(count)
                        : (previous + 1 + Random.Shared.Next(count - 1)) % count;
                    topic.StickyPartition = sticky;
                }

                return sticky;
            default:
                return Random.Shared.Next(count);
        }
    }

    /// <summary>Closes the partition's open batch for sending; records without a key then move to another partition (sticky partitioner).</summary>
    private static void Seal(PartitionState partition)
    {
        if (partition.Current is { } batch)
        {
            partition.Queue.Enqueue(batch);
            partition.Current = null;
            var topic = partition.Topic;
            if (topic.StickyPartition == partition.Partition)
            {
                topic.StickyPartition = -1 - partition.Partition;
            }
        }
    }

    private ProducerBatch RentBatch(PartitionState partition)
    {
        if (!_batchPool.TryDequeue(out var batch))
        {
            batch = new ProducerBatch();
        }

        batch.Partition = partition;
        batch.Id = Interlocked.Increment(ref _nextBatchId);
        batch.CreatedMs = Environment.TickCount64;
        batch.Builder.Compression = _options.Compression;
        return batch;
    }

    private void ReserveMemory(long size)
    {
        if (Interlocked.Add(ref _bufferedBytes, size) <= _options.BufferMemory || size >= _options.BufferMemory)
        {
            return;
        }

        // Full: wait (up to max.block.ms) for the sender to free space, as Java's send() does.
        var deadline = Environment.TickCount64 + (long)_options.MaxBlock.TotalMilliseconds;
        lock (_memoryLock)
        {
            _memoryWaiters++;
            try
            {
                while (Volatile.Read(ref _bufferedBytes) > _options.BufferMemory)
                {
                    var left = deadline - Environment.TickCount64;
                    if (left <= 0 || _closing)
                    {
                        Interlocked.Add(ref _bufferedBytes, -size);
                        throw new KafkaException(ErrorCode.RequestTimedOut, $"Failed to allocate {size} bytes within the configured max blocking time {_options.MaxBlock.TotalMilliseconds:0} ms.");
                    }

                    Monitor.Wait(_memoryLock, (int)Math.Min(left, 100));
                }
            }
            finally
            {
                _memoryWaiters--;
            }
        }
    }

    private void ReleaseMemory(long size)
    {
        Interlocked.Add(ref _bufferedBytes, -size);
        if (Volatile.Read(ref _memoryWaiters) > 0)
        {
            lock (_memoryLock)
            {
                Monitor.PulseAll(_memoryLock);
            }
        }
    }

    private async Task WaitForIdleAsync(CancellationToken cancellationToken)
    {
        while (Interlocked.Read(ref _pendingRecords) > 0)
        {
            Task wait;
            lock (_idleLock)
            {
                if (Interlocked.Read(ref _pendingRecords) == 0)
                {
                    return;
                }

                _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _idle.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void RecordsDone(int count, long bytes)
    {
        ReleaseMemory(bytes);
        if (Interlocked.Add(ref _pendingRecords, -count) == 0)
        {
            lock (_idleLock)
            {
                _idle?.TrySetResult();
                _idle = null;
            }
        }
    }

    private static void Complete(object? completion, long state, in RecordMetadata metadata, Exception? error)
    {
        switch (completion)
        {
            case TaskCompletionSource<RecordMetadata> task:
                if (error is null)
                {
                    task.TrySetResult(metadata);
                }
                else
                {
                    task.TrySetException(error);
                }

                break;
            case Action<RecordMetadata?, Exception?> callback:
                try
                {
                    callback(error is null ? metadata : null, error);
                }
                catch (Exception)
                {
                    // A user callback's failure must not stop the sender (Java logs and carries on).
                }

                break;
            case IDeliveryHandler handler:
                try
                {
                    handler.OnDelivery(state, metadata, error);
                }
                catch (Exception)
                {
                    // As above.
                }

                break;
        }
    }

    private static bool ResolveIdempotence(ProducerOptions options)
    {
        var conflicts = options.AcksSet && options.Acks != -1 ? "acks must be all"
            : options.RetriesSet && options.Retries == 0 ? "retries must be greater than 0"
            : options.MaxInFlightSet && options.MaxInFlightRequestsPerConnection > 5 ? "max.in.flight.requests.per.connection must be at most 5"
            : null;
        if (options.EnableIdempotence == true && conflicts is not null)
        {
            throw new ArgumentException($"Must set {conflicts} in order to use the idempotent producer (enable.idempotence=true).");
        }

        return options.EnableIdempotence ?? conflicts is null;
    }
}
