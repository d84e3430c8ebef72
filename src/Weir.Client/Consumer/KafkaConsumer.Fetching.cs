using Weir.Client.Cluster;
using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Protocol.Records;

namespace Weir.Client.Consumer;

/// <summary>The fetch loops (one per leader) and the decoding of what they bring back.</summary>
public sealed partial class KafkaConsumer
{
    private async Task FetchLoopAsync(int nodeId, CancellationToken cancellationToken)
    {
        var request = new List<(PartitionState State, int Epoch, long Offset)>();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var wake = _fetchSignal.Current;
                request.Clear();
                var metadata = _cluster.Metadata;
                lock (_lock)
                {
                    foreach (var state in _partitions.Values)
                    {
                        if (state.Paused || state.NeedsPosition || state.InFlight || state.Buffered >= MaxBufferedPerPartition
                            || state.FetchPosition < 0 || LeaderOf(metadata, state.Partition) != nodeId)
                        {
                            continue;
                        }

                        state.InFlight = true;
                        request.Add((state, state.Epoch, state.FetchPosition));
                    }
                }

                if (request.Count == 0)
                {
                    await AsyncSignal.WaitAsync(wake, TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                bool leaderErrors;
                try
                {
                    leaderErrors = await FetchOnceAsync(nodeId, request, metadata, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    lock (_lock)
                    {
                        foreach (var entry in request)
                        {
                            entry.State.InFlight = false;
                        }
                    }
                }

                if (leaderErrors)
                {
                    await RefreshAfterFetchErrorAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (KafkaException ex) when (ex.IsRetriable || ex.ErrorCode is ErrorCode.NetworkException or ErrorCode.RequestTimedOut)
            {
                _cluster.Forget(nodeId, ConnectionLane.Fetch);
                await RefreshAfterFetchErrorAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Not retriable (authorization, corrupt data...): the application sees it on its next poll.
                Volatile.Write(ref _fetchError, ex);
                try
                {
                    await Task.Delay(_options.RetryBackoff, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task RefreshAfterFetchErrorAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(_options.RetryBackoff, cancellationToken).ConfigureAwait(false);
            await RefreshAssignedMetadataAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (KafkaException)
        {
            _metadataRefreshNeeded = true;
        }
    }

    /// <summary>One Fetch to <paramref name="nodeId"/>; true when some partition needs fresh metadata.</summary>
    private async Task<bool> FetchOnceAsync(int nodeId, List<(PartitionState State, int Epoch, long Offset)> partitions, ClusterMetadata metadata, CancellationToken cancellationToken)
    {
        var connection = await _cluster.GetConnectionAsync(nodeId, ConnectionLane.Fetch, cancellationToken).ConfigureAwait(false);
        var version = connection.RequireVersion(ApiKey.Fetch, 17, 4);
        var topicIds = version >= 13 ? new Dictionary<Guid, string>() : null;
        var request = new FetchRequest
        {
            MaxWaitMs = (int)_options.FetchMaxWait.TotalMilliseconds,
            MinBytes = _options.FetchMinBytes,
            MaxBytes = _options.FetchMaxBytes,
            IsolationLevel = (sbyte)_options.IsolationLevel,
            Topics = [],
        };
        if (version >= 11 && _options.ClientRack is not null)
        {
            request.RackId = _options.ClientRack;
        }

        var byTopic = new Dictionary<string, FetchRequest.FetchTopic>(StringComparer.Ordinal);
        var lookup = new Dictionary<TopicPartition, (PartitionState State, int Epoch, long Offset)>(partitions.Count);
        foreach (var entry in partitions)
        {
            var tp = entry.State.Partition;
            lookup[tp] = entry;
            if (!byTopic.TryGetValue(tp.Topic, out var topic))
            {
                topic = new FetchRequest.FetchTopic { Topic = tp.Topic, Partitions = [] };
                if (topicIds is not null)
                {
                    var id = metadata.Topic(tp.Topic)?.TopicId ?? Guid.Empty;
                    if (id == Guid.Empty)
                    {
                        // No topic id known (an old broker): names need a version before 13.
                        version = 12;
                        topicIds = null;
                        foreach (var t in request.Topics)
                        {
                            t.TopicId = Guid.Empty;
                        }
                    }
                    else
                    {
                        topic.TopicId = id;
                        topicIds[id] = tp.Topic;
                    }
                }

                byTopic[tp.Topic] = topic;
                request.Topics.Add(topic);
            }

            topic.Partitions.Add(new FetchRequest.FetchPartition { Partition = tp.Partition, FetchOffset = entry.Offset, PartitionMaxBytes = _options.MaxPartitionFetchBytes });
        }

        if (topicIds is null)
        {
            foreach (var t in request.Topics)
            {
                t.TopicId = Guid.Empty;
            }
        }
        else
        {
            foreach (var t in request.Topics)
            {
                t.Topic = string.Empty;
            }
        }

        var response = await connection.SendAsync<FetchResponse>(ApiKey.Fetch, version, request, cancellationToken).ConfigureAwait(false);
        if (response.ErrorCode != 0)
        {
            throw new KafkaException((ErrorCode)response.ErrorCode, $"Fetch from broker {nodeId}");
        }

        var leaderErrors = false;
        foreach (var topic in response.Responses)
        {
            var name = topicIds is null ? topic.Topic : topicIds.GetValueOrDefault(topic.TopicId);
            if (name is null)
            {
                continue;
            }

            foreach (var p in topic.Partitions)
            {
                if (lookup.TryGetValue(new TopicPartition(name, p.PartitionIndex), out var entry))
                {
                    leaderErrors |= HandleFetchedPartition(entry.State, entry.Epoch, entry.Offset, p);
                }
            }
        }

        return leaderErrors;
    }

    private bool HandleFetchedPartition(PartitionState state, int epoch, long fetchOffset, FetchResponse.PartitionData data)
    {
        var error = (ErrorCode)data.ErrorCode;
        switch (error)
        {
            case ErrorCode.None:
                var records = data.Records ?? ReadOnlyMemory<byte>.Empty;
                var next = NextFetchOffset(records.Span, fetchOffset);
                lock (_lock)
                {
                    if (state.Epoch != epoch || !state.Assigned)
                    {
                        return false;
                    }

                    state.HighWatermark = data.HighWatermark;
                    if (next <= fetchOffset)
                    {
                        return false;
                    }

                    state.FetchPosition = next;
                    state.Buffered++;
                }

                _completed.Writer.TryWrite(new CompletedFetch(state, epoch, fetchOffset, records, data.AbortedTransactions));
                return false;

            case ErrorCode.OffsetOutOfRange:
                lock (_lock)
                {
                    if (state.Epoch == epoch)
                    {
                        if (_options.AutoOffsetReset == AutoOffsetReset.None)
                        {
                            Volatile.Write(ref _fetchError, new KafkaException(error, $"Fetch position {fetchOffset} is out of range for partition {state.Partition} and auto.offset.reset is none"));
                        }
                        else
                        {
                            state.NeedsPosition = true;
                            state.ResetTo = _options.AutoOffsetReset;
                            state.Epoch++;
                            _positionsNeeded = true;
                        }
                    }
                }

                return false;

            case ErrorCode.NotLeaderOrFollower or ErrorCode.LeaderNotAvailable or ErrorCode.UnknownTopicOrPartition or ErrorCode.UnknownTopicId
                or ErrorCode.InconsistentTopicId or ErrorCode.FencedLeaderEpoch or ErrorCode.UnknownLeaderEpoch or ErrorCode.KafkaStorageError
                or ErrorCode.ReplicaNotAvailable or ErrorCode.OffsetNotAvailable or ErrorCode.BrokerNotAvailable:
                return true;

            default:
                Volatile.Write(ref _fetchError, new KafkaException(error, $"Fetch for partition {state.Partition}"));
                return false;
        }
    }

    /// <summary>One past the last offset of the complete batches in <paramref name="records"/>.</summary>
    private static long NextFetchOffset(ReadOnlySpan<byte> records, long fetchOffset)
    {
        var next = fetchOffset;
        var batches = new RecordBatchEnumerator(records);
        while (batches.MoveNext())
        {
            var last = new RecordBatchHeader(batches.Current).LastOffset + 1;
            if (last > next)
            {
                next = last;
            }
        }

        return next;
    }

    /// <summary>
    /// Decodes a completed fetch into the decode buffer; true when it holds records to hand out.
    /// A corrupt or lying batch is never half-delivered: with <see cref="ConsumerOptions.SkipCorruptBatches"/>
    /// it is passed over, otherwise the records before it are handed out and the consumer then
    /// fails at it (<see cref="_pendingCorrupt"/>) until the application seeks past it.
    /// </summary>
    private bool Decode(CompletedFetch fetch)
    {
        var state = fetch.State;
        _decodedIndex = _decodedCount = 0;
        _decodedFrom = null;
        if (state.Epoch != fetch.Epoch)
        {
            return false;
        }

        var position = state.Position;
        var memory = fetch.Records;
        var span = memory.Span;
        var batches = new RecordBatchEnumerator(span);
        var readCommitted = _options.IsolationLevel == IsolationLevel.ReadCommitted && fetch.AbortedTransactions is { Count: > 0 };
        var aborted = readCommitted ? new AbortedTransactions(fetch.AbortedTransactions!) : null;
        var maxUncompressed = Math.Max(_options.FetchMaxBytes, MinDecompressionBound);
        long end = position;
        while (batches.MoveNext())
        {
            var batch = batches.Current;
            var header = new RecordBatchHeader(batch);
            var lastOffset = header.LastOffset;
            if (lastOffset < position)
            {
                continue;
            }

            var decodedBefore = _decodedCount;
            var problem = DecodeBatch(fetch, memory, batches.Position, batch, position, aborted, maxUncompressed);
            if (problem is not null)
            {
                _decodedCount = decodedBefore;
                if (!_options.SkipCorruptBatches)
                {
                    var at = Math.Max(position, header.BaseOffset);
                    _pendingCorrupt = new PendingCorrupt(state, fetch.Epoch, at, new KafkaException(
                        ErrorCode.CorruptMessage,
                        $"Record batch at offset {header.BaseOffset} (last offset {lastOffset}) of partition {state.Partition} is corrupt: {problem}. " +
                        $"Seek past offset {lastOffset} to skip it, or set SkipCorruptBatches."));
                    end = at;
                    break;
                }
            }

            end = lastOffset + 1;
        }

        _decodedEndOffset = end;
        _decodedFrom = fetch;
        if (_decodedCount == 0)
        {
            FinishDecoded();
            return false;
        }

        return true;
    }

    /// <summary>The smallest bound on a batch's decompressed size, whatever fetch.max.bytes says.</summary>
    private const int MinDecompressionBound = 32 * 1024 * 1024;

    /// <summary>One batch into the decode buffer; null, or why the batch cannot be trusted.</summary>
    private string? DecodeBatch(CompletedFetch fetch, ReadOnlyMemory<byte> memory, int start, ReadOnlySpan<byte> batch, long position, AbortedTransactions? aborted, int maxUncompressed)
    {
        var header = new RecordBatchHeader(batch);
        if (_options.CheckCrcs)
        {
            var check = RecordBatch.Validate(batch);
            if (check != RecordBatchError.None)
            {
                return check.ToString();
            }
        }

        if (header.LastOffsetDelta < 0)
        {
            return $"lastOffsetDelta is {header.LastOffsetDelta}";
        }

        if (header.IsControl)
        {
            if (aborted is not null)
            {
                aborted.Advance(header.LastOffset);
                if (header.IsTransactional)
                {
                    var marker = ReadAbortMarker(batch, out var isAbort);
                    if (marker is not null)
                    {
                        return marker;
                    }

                    if (isAbort)
                    {
                        aborted.Close(header.ProducerId);
                    }
                }
            }

            return null;
        }

        if (aborted is not null)
        {
            aborted.Advance(header.LastOffset);
            if (header.IsTransactional && aborted.IsOpen(header.ProducerId))
            {
                return null;
            }
        }

        ReadOnlyMemory<byte> payload;
        if (header.Compression == CompressionType.None)
        {
            payload = memory.Slice(start + RecordBatchHeader.Size, header.TotalSize - RecordBatchHeader.Size);
        }
        else
        {
            var read = RecordBatch.TryReadRecords(batch, out var decompressed, maxUncompressed);
            if (read != RecordBatchError.None)
            {
                return read == RecordBatchError.DecompressedTooLarge
                    ? $"its {header.Compression} records inflate beyond {maxUncompressed} bytes"
                    : read.ToString();
            }

            // One copy per compressed batch: the decompressed bytes outlive the pooled buffer they land in.
            using (decompressed)
            {
                payload = decompressed.Bytes.ToArray();
            }
        }

        return AppendRecords(payload, header, fetch.State.Partition.Topic, fetch.State.Partition.Partition, position);
    }

    /// <summary>
    /// Adds the batch's records from <paramref name="position"/> on; null, or why the batch is
    /// corrupt: a malformed record, a count that disagrees with the records, or offset deltas out
    /// of order or past lastOffsetDelta (compaction leaves gaps, so gaps themselves are fine).
    /// </summary>
    private string? AppendRecords(ReadOnlyMemory<byte> payload, RecordBatchHeader header, string topic, int partition, long position)
    {
        var bytes = payload.Span;
        var timestampType = header.IsLogAppendTime ? TimestampType.LogAppendTime : TimestampType.CreateTime;
        var leaderEpoch = header.PartitionLeaderEpoch;
        var lastOffsetDelta = header.LastOffsetDelta;
        var records = new RecordEnumerator(bytes, header.RecordsCount, header.BaseOffset, header.BaseTimestamp, header.MaxTimestamp, header.IsLogAppendTime);
        var previousDelta = -1;
        var index = 0;
        RecordBatchError error;
        while (records.TryMoveNext(out error))
        {
            var record = records.Current;
            if (record.OffsetDelta <= previousDelta || record.OffsetDelta > lastOffsetDelta)
            {
                return $"record {index} has offset delta {record.OffsetDelta} after {previousDelta} (lastOffsetDelta {lastOffsetDelta})";
            }

            previousDelta = record.OffsetDelta;
            index++;
            if (record.Offset < position)
            {
                continue;
            }

            if (_decodedCount == _decoded.Length)
            {
                Array.Resize(ref _decoded, _decoded.Length * 2);
            }

            _decoded[_decodedCount++] = new ConsumeResult(
                topic,
                partition,
                record.Offset,
                record.Timestamp,
                timestampType,
                leaderEpoch,
                Slice(payload, bytes, record.Key),
                record.IsKeyNull,
                Slice(payload, bytes, record.Value),
                record.IsValueNull,
                record.HeaderCount == 0 ? default : Slice(payload, bytes, record.HeaderBytes),
                record.HeaderCount);
        }

        return error == RecordBatchError.None
            ? null
            : $"{(error == RecordBatchError.RecordsCountMismatch ? $"recordsCount {header.RecordsCount} disagrees with the records present" : error.ToString())} (record {index})";
    }

    private static ReadOnlyMemory<byte> Slice(ReadOnlyMemory<byte> memory, ReadOnlySpan<byte> span, ReadOnlySpan<byte> part) =>
        part.Length == 0 || !span.Overlaps(part, out var offset) ? ReadOnlyMemory<byte>.Empty : memory.Slice(offset, part.Length);

    /// <summary>Whether a control batch is an abort marker; null, or why its record cannot be read.</summary>
    private static string? ReadAbortMarker(ReadOnlySpan<byte> batch, out bool isAbort)
    {
        isAbort = false;
        var read = RecordBatch.TryReadRecords(batch, out var records);
        if (read != RecordBatchError.None)
        {
            return read.ToString();
        }

        using (records)
        {
            var enumerator = records.GetEnumerator();
            if (enumerator.TryMoveNext(out var error))
            {
                // Control record key: version int16, type int16 (0 = ABORT, 1 = COMMIT).
                var key = enumerator.Current.Key;
                isAbort = key.Length >= 4 && key[2] == 0 && key[3] == 0;
                return null;
            }

            return error == RecordBatchError.None ? null : error.ToString();
        }
    }
}
