using Weir.Client.Cluster;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Client.Producer;

/// <summary>The sender: drains ready batches per leader, sends them, and completes, retries or fails them.</summary>
public sealed partial class KafkaProducer
{
    private readonly Task _senderLoop;
    private readonly SemaphoreSlim _wakeup = new(0, 1);
    private readonly Dictionary<int, NodeState> _nodes = [];
    private int _wakeRequested;
    private int _flushing;
    private volatile bool _metadataNeeded;
    private Task _metadataRefresh = Task.CompletedTask;
    private long _lastMetadataMs;
    private long _producerId = -1;
    private short _producerEpoch = -1;

    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakeRequested, 1) == 0)
        {
            try
            {
                _wakeup.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    private async Task SenderLoopAsync()
    {
        var token = _shutdown.Token;
        var ready = new List<ProducerBatch>();
        while (!token.IsCancellationRequested)
        {
            var now = Environment.TickCount64;
            var nextWake = now + 100;
            if (_idempotent && _producerId < 0)
            {
                if (!await InitProducerIdAsync(token).ConfigureAwait(false))
                {
                    nextWake = now + (long)_options.RetryBackoff.TotalMilliseconds;
                    ExpireAll(now);
                    await WaitAsync(nextWake, token).ConfigureAwait(false);
                    continue;
                }
            }

            MaybeRefreshMetadata(now);
            foreach (var topic in _topics.Values)
            {
                foreach (var partition in topic.Partitions)
                {
                    Drain(partition, now, ref nextWake, ready);
                }
            }

            SendReady(ready);
            ready.Clear();
            await WaitAsync(nextWake, token).ConfigureAwait(false);
        }
    }

    private async Task WaitAsync(long wakeAtMs, CancellationToken token)
    {
        var delay = wakeAtMs - Environment.TickCount64;
        if (delay > 0)
        {
            try
            {
                await _wakeup.WaitAsync((int)delay, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        Volatile.Write(ref _wakeRequested, 0);
    }

    /// <summary>Picks at most one batch of the partition to send now (one per partition per request, as Kafka requires).</summary>
    private void Drain(PartitionState partition, long now, ref long nextWake, List<ProducerBatch> ready)
    {
        List<ProducerBatch>? expired = null;
        lock (partition.Lock)
        {
            if (partition.IsEmpty)
            {
                return;
            }

            ExpireLocked(partition, now, ref expired);
            if (partition.Leader < 0)
            {
                _metadataNeeded = true;
            }
            else if (NodeHasRoom(partition.Leader) && (!_idempotent || partition.InFlight < 5))
            {
                ProducerBatch? batch = null;
                if (partition.Retries.Count > 0)
                {
                    // Resend in order: only once everything in flight came back.
                    var first = partition.Retries[0];
                    if (partition.InFlight == 0 && first.RetryAtMs <= now)
                    {
                        batch = first;
                        partition.Retries.RemoveAt(0);
                    }
                    else if (partition.InFlight == 0)
                    {
                        nextWake = Math.Min(nextWake, first.RetryAtMs);
                    }
                }
                else if (partition.Queue.Count > 0)
                {
                    batch = partition.Queue.Dequeue();
                }
                else if (partition.Current is { } current)
                {
                    var due = current.CreatedMs + (long)_options.Linger.TotalMilliseconds;
                    if (due <= now || _closing || Volatile.Read(ref _flushing) > 0)
                    {
                        Seal(partition);
                        batch = partition.Queue.Dequeue();
                    }
                    else
                    {
                        nextWake = Math.Min(nextWake, due);
                    }
                }

                if (batch is not null)
                {
                    if (_idempotent && batch.Sequence < 0)
                    {
                        batch.Sequence = partition.NextSequence;
                        partition.NextSequence = (int)((partition.NextSequence + (long)batch.Count) % ((long)int.MaxValue + 1));
                    }

                    partition.InFlightBatches.Add(batch);
                    ready.Add(batch);
                }

                if (!partition.IsEmpty && batch is not null)
                {
                    // More is waiting: come back at once rather than after a linger.
                    nextWake = now;
                }
            }
        }

        if (expired is not null)
        {
            foreach (var batch in expired)
            {
                FailBatch(batch, new KafkaException(
                    ErrorCode.RequestTimedOut,
                    $"Expiring {batch.Count} record(s) for {partition.Topic.Name}-{partition.Partition}: {_options.DeliveryTimeout.TotalMilliseconds:0} ms has passed since batch creation"));
            }
        }
    }

    private void ExpireLocked(PartitionState partition, long now, ref List<ProducerBatch>? expired)
    {
        var limit = (long)_options.DeliveryTimeout.TotalMilliseconds;
        while (partition.Retries.Count > 0 && partition.InFlight == 0 && now - partition.Retries[0].CreatedMs > limit)
        {
            (expired ??= []).Add(partition.Retries[0]);
            partition.Retries.RemoveAt(0);
        }

        while (partition.Queue.Count > 0 && now - partition.Queue.Peek().CreatedMs > limit)
        {
            (expired ??= []).Add(partition.Queue.Dequeue());
        }

        if (partition.Current is { } current && partition.Queue.Count == 0 && now - current.CreatedMs > limit)
        {
            (expired ??= []).Add(current);
            partition.Current = null;
        }
    }

    private void ExpireAll(long now)
    {
        foreach (var topic in _topics.Values)
        {
            foreach (var partition in topic.Partitions)
            {
                List<ProducerBatch>? expired = null;
                lock (partition.Lock)
                {
                    ExpireLocked(partition, now, ref expired);
                }

                foreach (var batch in expired ?? [])
                {
                    FailBatch(batch, new KafkaException(ErrorCode.RequestTimedOut, $"Expiring {batch.Count} record(s) for {topic.Name}-{partition.Partition}: no producer id within delivery.timeout.ms"));
                }
            }
        }
    }

    private bool NodeHasRoom(int nodeId)
    {
        lock (_nodes)
        {
            return !_nodes.TryGetValue(nodeId, out var node) || node.InFlight < _options.MaxInFlightRequestsPerConnection;
        }
    }

    /// <summary>Groups the drained batches by leader into one Produce request per broker.</summary>
    private void SendReady(List<ProducerBatch> ready)
    {
        if (ready.Count == 0)
        {
            return;
        }

        Dictionary<int, List<ProducerBatch>>? byNode = null;
        foreach (var batch in ready)
        {
            byNode ??= [];
            var leader = batch.Partition.Leader;
            if (!byNode.TryGetValue(leader, out var list))
            {
                byNode[leader] = list = [];
            }

            list.Add(batch);
        }

        foreach (var (nodeId, batches) in byNode!)
        {
            // Split at max.request.size.
            var start = 0;
            long size = 0;
            for (var i = 0; i < batches.Count; i++)
            {
                Build(batches[i]);
                var batchSize = batches[i].Built.WrittenCount;
                if (i > start && size + batchSize > _options.MaxRequestSize)
                {
                    StartRequest(nodeId, batches.GetRange(start, i - start));
                    start = i;
                    size = 0;
                }

                size += batchSize;
            }

            StartRequest(nodeId, start == 0 ? batches : batches.GetRange(start, batches.Count - start));
        }
    }

    private void Build(ProducerBatch batch)
    {
        if (batch.IsBuilt)
        {
            return;
        }

        var builder = batch.Builder;
        if (_idempotent)
        {
            builder.ProducerId = _producerId;
            builder.ProducerEpoch = _producerEpoch;
            builder.BaseSequence = batch.Sequence;
        }

        batch.Built.Clear();
        builder.Build(batch.Built);
        batch.IsBuilt = true;
    }

    private void StartRequest(int nodeId, List<ProducerBatch> batches)
    {
        NodeState node;
        lock (_nodes)
        {
            if (!_nodes.TryGetValue(nodeId, out node!))
            {
                _nodes[nodeId] = node = new NodeState();
            }

            node.InFlight++;
        }

        _ = SendAsync(node, nodeId, batches);
    }

    private async Task SendAsync(NodeState node, int nodeId, List<ProducerBatch> batches)
    {
        try
        {
            var request = new ProduceRequest { Acks = _options.Acks, TimeoutMs = (int)_options.RequestTimeout.TotalMilliseconds };
            foreach (var batch in batches)
            {
                var topicName = batch.Partition.Topic.Name;
                ProduceRequest.TopicProduceData? topicData = null;
                foreach (var t in request.TopicData)
                {
                    if (ReferenceEquals(t.Name, topicName) || t.Name == topicName)
                    {
                        topicData = t;
                        break;
                    }
                }

                if (topicData is null)
                {
                    topicData = new ProduceRequest.TopicProduceData { Name = topicName };
                    request.TopicData.Add(topicData);
                }

                topicData.PartitionData.Add(new ProduceRequest.PartitionProduceData { Index = batch.Partition.Partition, Records = batch.Built.WrittenMemory });
            }

            var connection = await _cluster.GetConnectionAsync(nodeId, ConnectionLane.Default, _shutdown.Token).ConfigureAwait(false);
            var version = connection.RequireVersion(ApiKey.Produce, ProduceRequest.HighestSupportedVersion, 3);
            if (_options.Acks == 0)
            {
                await connection.SendOneWayAsync(ApiKey.Produce, version, request, _shutdown.Token).ConfigureAwait(false);
                foreach (var batch in batches)
                {
                    CompleteBatch(batch, -1, -1);
                }

                return;
            }

            var response = await connection.SendAsync<ProduceResponse>(ApiKey.Produce, version, request, _shutdown.Token).ConfigureAwait(false);
            HandleResponse(batches, response);
        }
        catch (KafkaException ex)
        {
            if (ex.ErrorCode is ErrorCode.NetworkException or ErrorCode.RequestTimedOut)
            {
                _cluster.Forget(nodeId);
            }

            _metadataNeeded = true;
            foreach (var batch in batches)
            {
                RetryOrFail(batch, ex.ErrorCode, ex);
            }
        }
        catch (OperationCanceledException)
        {
            foreach (var batch in batches)
            {
                FailBatch(batch, new KafkaException(ErrorCode.RequestTimedOut, "The producer was closed before the broker answered."));
            }
        }
        finally
        {
            lock (_nodes)
            {
                node.InFlight--;
            }

            Wake();
        }
    }

    private void HandleResponse(List<ProducerBatch> batches, ProduceResponse response)
    {
        foreach (var batch in batches)
        {
            var topicName = batch.Partition.Topic.Name;
            ProduceResponse.PartitionProduceResponse? found = null;
            foreach (var t in response.Responses)
            {
                if (t.Name != topicName)
                {
                    continue;
                }

                foreach (var p in t.PartitionResponses)
                {
                    if (p.Index == batch.Partition.Partition)
                    {
                        found = p;
                        break;
                    }
                }
            }

            if (found is null)
            {
                RetryOrFail(batch, ErrorCode.NetworkException, null);
                continue;
            }

            var code = (ErrorCode)found.ErrorCode;
            if (code is ErrorCode.None or ErrorCode.DuplicateSequenceNumber)
            {
                CompleteBatch(batch, found.BaseOffset, found.LogAppendTimeMs);
            }
            else
            {
                if (code is ErrorCode.NotLeaderOrFollower or ErrorCode.LeaderNotAvailable or ErrorCode.UnknownTopicOrPartition or ErrorCode.FencedLeaderEpoch)
                {
                    _metadataNeeded = true;
                }

                RetryOrFail(batch, code, null, found.ErrorMessage);
            }
        }
    }

    private void RetryOrFail(ProducerBatch batch, ErrorCode code, Exception? cause, string? brokerMessage = null)
    {
        var partition = batch.Partition;
        var now = Environment.TickCount64;
        // With idempotence an out-of-order answer means an earlier batch is being retried: retry this one too.
        var retriable = code.IsRetriable() || code == ErrorCode.UnknownTopicOrPartition
            || (_idempotent && code is ErrorCode.OutOfOrderSequenceNumber);
        if (retriable && batch.Attempts < _options.Retries && now - batch.CreatedMs < (long)_options.DeliveryTimeout.TotalMilliseconds && !_shutdown.IsCancellationRequested)
        {
            lock (partition.Lock)
            {
                partition.InFlightBatches.Remove(batch);
                batch.Attempts++;
                batch.RetryAtMs = now + (long)_options.RetryBackoff.TotalMilliseconds;
                var index = 0;
                while (index < partition.Retries.Count && Order(partition.Retries[index]) < Order(batch))
                {
                    index++;
                }

                partition.Retries.Insert(index, batch);
            }

            return;
        }

        lock (partition.Lock)
        {
            partition.InFlightBatches.Remove(batch);
            if (_idempotent && batch.Sequence >= 0)
            {
                RewindSequences(partition, batch);
            }
        }

        var where = $"{partition.Topic.Name}-{partition.Partition}";
        FailBatch(batch, cause as KafkaException ?? new KafkaException(code, brokerMessage is null or "" ? where : where + ": " + brokerMessage, cause));
    }

    /// <summary>
    /// The broker did not append a failed batch, so the partition's later sequences move down by its
    /// record count (batches in flight come back OUT_OF_ORDER_SEQUENCE_NUMBER and are resent with
    /// their new sequence), as Java does for errors that leave no trace in the log.
    /// </summary>
    private static void RewindSequences(PartitionState partition, ProducerBatch failed)
    {
        static void Shift(ProducerBatch batch, ProducerBatch failed)
        {
            if (batch.Sequence > failed.Sequence)
            {
                batch.Sequence -= failed.Count;
                batch.IsBuilt = false;
            }
        }

        foreach (var batch in partition.InFlightBatches)
        {
            Shift(batch, failed);
        }

        foreach (var batch in partition.Retries)
        {
            Shift(batch, failed);
        }

        partition.NextSequence -= failed.Count;
    }

    private long Order(ProducerBatch batch) => _idempotent ? batch.Sequence : batch.Id;

    private void CompleteBatch(ProducerBatch batch, long baseOffset, long logAppendTime)
    {
        var partition = batch.Partition;
        lock (partition.Lock)
        {
            partition.InFlightBatches.Remove(batch);
        }

        var topic = partition.Topic.Name;
        for (var i = 0; i < batch.Count; i++)
        {
            ref readonly var entry = ref batch.Entries[i];
            var metadata = new RecordMetadata(topic, partition.Partition, baseOffset < 0 ? -1 : baseOffset + i, logAppendTime >= 0 ? logAppendTime : entry.Timestamp);
            Complete(entry.Completion, entry.State, metadata, null);
        }

        Recycle(batch);
    }

    /// <summary>Fails every record of a batch that is not (or no longer) in flight.</summary>
    private void FailBatch(ProducerBatch batch, Exception error)
    {
        var partition = batch.Partition;
        for (var i = 0; i < batch.Count; i++)
        {
            ref readonly var entry = ref batch.Entries[i];
            Complete(entry.Completion, entry.State, new RecordMetadata(partition.Topic.Name, partition.Partition, -1, entry.Timestamp), error);
        }

        Recycle(batch);
    }

    private void Recycle(ProducerBatch batch)
    {
        var count = batch.Count;
        var bytes = batch.Bytes;
        batch.Reset();
        _batchPool.Enqueue(batch);
        RecordsDone(count, bytes);
    }

    private void FailAllQueued(Exception error)
    {
        foreach (var topic in _topics.Values)
        {
            foreach (var partition in topic.Partitions)
            {
                List<ProducerBatch> left = [];
                lock (partition.Lock)
                {
                    left.AddRange(partition.Retries);
                    partition.Retries.Clear();
                    left.AddRange(partition.Queue);
                    partition.Queue.Clear();
                    if (partition.Current is { } current)
                    {
                        left.Add(current);
                        partition.Current = null;
                    }
                }

                foreach (var batch in left)
                {
                    FailBatch(batch, error);
                }
            }
        }
    }

    private void MaybeRefreshMetadata(long now)
    {
        if (!_metadataRefresh.IsCompleted)
        {
            return;
        }

        var stale = now - _lastMetadataMs > (long)_options.MetadataMaxAge.TotalMilliseconds;
        if ((_metadataNeeded && now - _lastMetadataMs >= (long)_options.RetryBackoff.TotalMilliseconds) || (stale && !_topics.IsEmpty))
        {
            _metadataNeeded = false;
            _lastMetadataMs = now;
            _metadataRefresh = RefreshMetadataAsync();
        }
    }

    private async Task RefreshMetadataAsync()
    {
        try
        {
            var names = new List<string>(_topics.Keys);
            var metadata = await _cluster.RefreshMetadataAsync(names, _options.AllowAutoCreateTopics, _shutdown.Token).ConfigureAwait(false);
            foreach (var name in names)
            {
                if (metadata.Topic(name) is { } topic && _topics.TryGetValue(name, out var state))
                {
                    if (state.Partitions.Length > 0)
                    {
                        UpdateTopic(state, topic);
                    }
                }
            }
        }
        catch (KafkaException)
        {
            _metadataNeeded = true;
        }
        catch (OperationCanceledException)
        {
            // Closing.
        }

        Wake();
    }

    /// <summary>Applies a topic's metadata: leaders per partition, and more partitions if it grew.</summary>
    private static PartitionState[] UpdateTopic(TopicState state, TopicMetadata metadata, bool publish = true)
    {
        lock (state)
        {
            var partitions = state.Partitions;
            if (metadata.Partitions.Count > partitions.Length)
            {
                var grown = new PartitionState[metadata.Partitions.Count];
                Array.Copy(partitions, grown, partitions.Length);
                for (var i = partitions.Length; i < grown.Length; i++)
                {
                    grown[i] = new PartitionState(state, i);
                }

                partitions = grown;
            }

            foreach (var p in metadata.Partitions)
            {
                if (p.Partition >= 0 && p.Partition < partitions.Length)
                {
                    var leader = p.Error is ErrorCode.None or ErrorCode.ReplicaNotAvailable ? p.Leader : -1;
                    lock (partitions[p.Partition].Lock)
                    {
                        partitions[p.Partition].Leader = leader;
                    }
                }
            }

            if (publish)
            {
                state.Partitions = partitions;
            }

            return partitions;
        }
    }

    private async Task<bool> InitProducerIdAsync(CancellationToken token)
    {
        try
        {
            var response = await _cluster.SendToAnyAsync(
                connection =>
                {
                    var version = connection.RequireVersion(ApiKey.InitProducerId, 4);
                    return (version, (IKafkaMessage)new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = int.MaxValue });
                },
                static (connection, version, request, ct) => connection.SendAsync<InitProducerIdResponse>(ApiKey.InitProducerId, version, request, ct),
                token).ConfigureAwait(false);
            if (response.ErrorCode != 0)
            {
                return false;
            }

            _producerEpoch = response.ProducerEpoch;
            _producerId = response.ProducerId;
            return true;
        }
        catch (KafkaException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Requests in flight to one broker (bounded by max.in.flight.requests.per.connection).</summary>
    private sealed class NodeState
    {
        public int InFlight;
    }
}
