using Weir.Protocol.Records;
using Weir.Storage.Log;

namespace Weir.Raft;

/// <summary>
/// An <see cref="IRaftLog"/> over a Weir.Storage partition log (for <c>__cluster_metadata-0</c> in the
/// broker, as Kafka's KafkaMetadataLog sits on UnifiedLog): segments, indexes, the leader epoch
/// checkpoint and recovery come from storage; this class adds the quorum's contiguity rule and the
/// epoch-cache answer Kafka's raft layer expects. The owner opens and closes the partition log.
/// </summary>
public sealed class PartitionRaftLog(PartitionLog log) : IRaftLog
{
    public PartitionLog PartitionLog { get; } = log;

    public long StartOffset => PartitionLog.LogStartOffset;

    public long EndOffset => PartitionLog.LogEndOffset;

    /// <summary>Storage's recovery point: offsets below it are fsynced.</summary>
    public long FlushedEndOffset => Math.Min(PartitionLog.RecoveryPoint, PartitionLog.LogEndOffset);

    public int LastFetchedEpoch => PartitionLog.LeaderEpochCache.LatestEpoch ?? 0;

    public void AppendAsLeader(ReadOnlyMemory<byte> batch, int epoch)
    {
        var bytes = batch.ToArray();
        var result = PartitionLog.Append(bytes, epoch);
        if (result.Error != LogError.None)
        {
            throw new IOException($"{PartitionLog.TopicPartition}: append as leader failed with {result.Error}", PartitionLog.LastStorageError);
        }
    }

    public long AppendAsFollower(ReadOnlyMemory<byte> batches)
    {
        var span = batches.Span;
        var expected = EndOffset;
        var lastEpoch = LastFetchedEpoch;
        var length = 0;
        // Storage accepts gaps (compacted topics); the quorum's log must continue exactly at its end.
        while (span.Length - length >= RecordBatchHeader.Size)
        {
            var header = new RecordBatchHeader(span[length..]);
            if (header.TotalSize > span.Length - length)
            {
                break; // a partial trailing batch, as a size-capped fetch may return
            }
            if (header.BaseOffset != expected || header.PartitionLeaderEpoch < lastEpoch
                || RecordBatch.Validate(span.Slice(length, header.TotalSize)) != RecordBatchError.None)
            {
                return -1;
            }
            expected = header.LastOffset + 1;
            lastEpoch = header.PartitionLeaderEpoch;
            length += header.TotalSize;
        }
        if (length == 0)
        {
            return EndOffset;
        }
        var result = PartitionLog.AppendAsFollower(span[..length]);
        if (result.Error != LogError.None)
        {
            throw new IOException($"{PartitionLog.TopicPartition}: append as follower failed with {result.Error}", PartitionLog.LastStorageError);
        }
        return EndOffset;
    }

    public void TruncateTo(long offset) => PartitionLog.TruncateTo(offset);

    /// <summary>As Kafka's KafkaMetadataLog: an epoch past the cache's latest answers the log end and the last epoch.</summary>
    public OffsetAndEpoch EndOffsetForEpoch(int epoch)
    {
        var entry = PartitionLog.EndOffsetForEpoch(epoch);
        if (entry.Epoch == LeaderEpochCache.UndefinedEpoch)
        {
            return PartitionLog.LeaderEpochCache.LatestEpoch is { } latest && latest <= epoch
                ? new OffsetAndEpoch(EndOffset, latest)
                : new OffsetAndEpoch(StartOffset, 0);
        }
        return new OffsetAndEpoch(entry.StartOffset, entry.Epoch);
    }

    public ReadOnlyMemory<byte> Read(long offset, int maxBytes)
    {
        var slice = PartitionLog.Read(offset, maxBytes, long.MaxValue, minOneBatch: true);
        if (slice.Error != LogError.None)
        {
            throw new IOException($"{PartitionLog.TopicPartition}: read at {offset} failed with {slice.Error}", PartitionLog.LastStorageError);
        }
        // A copy: the node may hand the bytes to a network that outlives the segment file.
        return slice.ToArray();
    }

    public void Flush() => PartitionLog.Flush();
}
