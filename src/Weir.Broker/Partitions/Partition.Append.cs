using Weir.Protocol;
using Weir.Protocol.Records;
using Weir.Storage.Log;

namespace Weir.Broker.Partitions;

/// <summary>Appends: a client's records as leader, a coordinator's own records, a leader's batches as follower.</summary>
public sealed partial class Partition
{
    /// <summary>
    /// Kafka's appendRecordsToLeader for one Produce partition: NOT_LEADER_OR_FOLLOWER unless this broker
    /// leads; for acks=-1, NOT_ENOUGH_REPLICAS when the ISR is smaller than min.insync.replicas (nothing
    /// is appended); then the batch is validated (<see cref="PartitionAppender"/>), sequence-checked for
    /// idempotent producers and appended with the current leader epoch, and the high watermark moves if
    /// the ISR allows. Waiting for the ISR (acks=-1) is the caller's: <see cref="DelayedProduce"/>.
    /// </summary>
    public AppendOutcome AppendAsLeader(ReadOnlyMemory<byte>? records, short requiredAcks, TimeProvider time)
    {
        // Checked before validation too, so a follower answers NOT_LEADER_OR_FOLLOWER whatever it was sent, as Kafka does.
        if (CheckAppendable(_state, requiredAcks) is { } refused)
        {
            return refused;
        }

        var config = Log.Config;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (!PartitionAppender.TryValidate(config, TopicPartition, records, now, out var memory, out var appendTime, out var failure))
        {
            return failure;
        }

        AppendOutcome outcome;
        lock (AppendLock)
        {
            outcome = AppendValidatedLocked(memory.Span, requiredAcks, appendTime);
        }

        if (outcome.Error == ErrorCode.None && MaybeIncrementHighWatermark())
        {
            WakeWatchers();
        }

        return outcome;
    }

    /// <summary>
    /// A coordinator's own batch (Kafka's AppendOrigin.Coordinator): no client validation, but the same
    /// leadership check, epoch and high watermark handling. Storage failures throw as the log does.
    /// </summary>
    public AppendOutcome AppendRecordsAsLeader(Span<byte> batch)
    {
        AppendOutcome outcome;
        lock (AppendLock)
        {
            if (!_state.IsLeader)
            {
                return AppendOutcome.Failed(ErrorCode.NotLeaderOrFollower);
            }

            outcome = AppendToLogLocked(batch, null);
        }

        if (outcome.Error == ErrorCode.None && MaybeIncrementHighWatermark())
        {
            WakeWatchers();
        }

        return outcome;
    }

    /// <summary>
    /// Kafka's appendRecordsToFollowerOrFutureReplica: stores the leader's batches as they are, with their
    /// offsets and leader epochs (nothing is assigned), advancing the log end offset; the epoch cache and
    /// producer state follow the batches. A trailing partial batch (a fetch response cut at its size
    /// limit) is left for the next fetch. CORRUPT_MESSAGE when a batch fails its CRC check, and nothing
    /// is appended then. Batches must start at or above the log end offset: the fetcher truncates first.
    /// </summary>
    public AppendOutcome AppendAsFollower(ReadOnlySpan<byte> batches)
    {
        var length = 0;
        while (batches.Length - length >= RecordBatchHeader.Size)
        {
            var size = new RecordBatchHeader(batches[length..]).TotalSize;
            if (size <= 0 || size > batches.Length - length)
            {
                break;
            }

            if (RecordBatch.Validate(batches.Slice(length, size)) != RecordBatchError.None)
            {
                return AppendOutcome.Failed(ErrorCode.CorruptMessage, $"A batch from the leader of {TopicPartition} is corrupt.");
            }

            length += size;
        }

        if (length == 0)
        {
            return new AppendOutcome(ErrorCode.None, -1, -1, Log.LogStartOffset);
        }

        var whole = batches[..length];
        lock (AppendLock)
        {
            var result = Log.AppendAsFollower(whole);
            if (result.Error != LogError.None)
            {
                return Failed(result.Error);
            }

            for (var pos = 0; pos < whole.Length;)
            {
                var header = new RecordBatchHeader(whole[pos..]);
                RecordProducer(header);
                pos += header.TotalSize;
            }

            return new AppendOutcome(ErrorCode.None, result.BaseOffset, -1, result.LogStartOffset) { LastOffset = result.LastOffset };
        }
    }

    private AppendOutcome? CheckAppendable(PartitionState state, short requiredAcks)
    {
        if (!state.IsLeader)
        {
            return AppendOutcome.Failed(ErrorCode.NotLeaderOrFollower, $"This broker does not lead {TopicPartition}.");
        }

        var minIsr = Log.Config.MinInSyncReplicas;
        if (requiredAcks == -1 && state.Isr.Length < minIsr)
        {
            return AppendOutcome.Failed(ErrorCode.NotEnoughReplicas, $"The ISR of {TopicPartition} has {state.Isr.Length} replica(s), fewer than min.insync.replicas ({minIsr}).");
        }

        return null;
    }

    private AppendOutcome AppendValidatedLocked(Span<byte> batch, short requiredAcks, long? appendTime)
    {
        // Leadership or the ISR may have changed since the first check; MakeLeader/MakeFollower take this lock.
        if (CheckAppendable(_state, requiredAcks) is { } refused)
        {
            return refused;
        }

        var header = new RecordBatchHeader(batch);
        var producerId = header.ProducerId;
        if (producerId < 0 || header.BaseSequence < 0)
        {
            return AppendToLogLocked(batch, appendTime);
        }

        var lastSequence = header.BaseSequence + header.LastOffsetDelta;
        var (error, verdict, duplicateOffset) = Producers.Check(producerId, header.ProducerEpoch, header.BaseSequence, lastSequence);
        if (error != ErrorCode.None)
        {
            return AppendOutcome.Failed(error);
        }

        if (verdict == ProducerStateTable.Verdict.Duplicate)
        {
            // Acknowledged with the original offsets; acks=-1 waits for those to be replicated.
            return new AppendOutcome(ErrorCode.None, duplicateOffset, -1, Log.LogStartOffset) { LastOffset = duplicateOffset + header.LastOffsetDelta };
        }

        var result = AppendToLogLocked(batch, appendTime);
        if (result.Error == ErrorCode.None)
        {
            Producers.Record(producerId, header.ProducerEpoch, header.BaseSequence, lastSequence, result.BaseOffset, appendTime ?? header.MaxTimestamp);
        }

        return result;
    }

    private AppendOutcome AppendToLogLocked(Span<byte> batch, long? appendTime)
    {
        var result = Log.Append(batch, _state.LeaderEpoch, appendTime);
        return result.Error == LogError.None
            ? new AppendOutcome(ErrorCode.None, result.BaseOffset, appendTime ?? -1, result.LogStartOffset) { LastOffset = result.LastOffset }
            : Failed(result.Error);
    }

    private AppendOutcome Failed(LogError error)
    {
        if (error == LogError.KafkaStorageError)
        {
            // Retriable for clients: a full disk passes once space is freed (nothing of this batch was kept).
            return AppendOutcome.Failed(ErrorCode.KafkaStorageError, Log.IsOffline
                ? "The partition's log dir is offline."
                : $"The write failed: {Log.LastStorageError?.Message}");
        }

        return AppendOutcome.Failed((ErrorCode)(short)error);
    }
}
