using Weir.Protocol;
using Weir.Storage;
using Weir.Storage.Log;

namespace Weir.Broker.Partitions;

/// <summary>Reads: fetches by consumers and followers, offsets by timestamp or epoch, and record deletion.</summary>
public sealed partial class Partition
{
    /// <summary>ListOffsets' latest (-1): the last fetchable offset.</summary>
    public const long LatestTimestamp = -1;

    /// <summary>ListOffsets' earliest (-2): the log start offset.</summary>
    public const long EarliestTimestamp = -2;

    /// <summary>ListOffsets' max timestamp (-3, v7+): the record with the largest timestamp.</summary>
    public const long MaxTimestamp = -3;

    /// <summary>DeleteRecords' "up to the high watermark" offset.</summary>
    public const long HighWatermarkOffset = -1;

    /// <summary>Where the current leader epoch began in this log (set when this broker became its leader); -1 otherwise.</summary>
    private long _leaderEpochStartOffset = -1;

    /// <summary>
    /// Kafka's fetchRecords: the leader epoch check (only the leader serves fetches; Weir has no
    /// follower fetching for consumers, KIP-392), then whole batches from the fetch offset, up to the
    /// high watermark (read_uncommitted), the last stable offset (read_committed) or, for a follower,
    /// the log end. A follower must be one of the replicas (NOT_LEADER_OR_FOLLOWER otherwise); its
    /// fetch offset then becomes its log end offset here, which may advance the high watermark.
    /// OFFSET_OUT_OF_RANGE outside [log start, log end]; KAFKA_STORAGE_ERROR when the log cannot be read.
    /// </summary>
    public PartitionReadResult Read(in FetchParams fetch)
    {
        var state = _state;
        var error = CheckLeaderEpoch(state, fetch.CurrentLeaderEpoch, requireLeader: true);
        if (error != ErrorCode.None)
        {
            return PartitionReadResult.Failed(error);
        }

        if (fetch.IsFromFollower && Array.IndexOf(state.Replicas, fetch.ReplicaId) < 0)
        {
            return PartitionReadResult.Failed(ErrorCode.NotLeaderOrFollower);
        }

        // Taken before reading, so an append racing the read still wakes a long-poll on these values.
        var logEndOffset = Log.LogEndOffset;
        if (fetch.IsFromFollower && fetch.LastFetchedEpoch >= 0 && CheckDivergence(fetch, logEndOffset) is { } diverged)
        {
            return diverged;
        }

        var maxOffset = fetch.Isolation switch
        {
            FetchIsolation.LogEnd => long.MaxValue,
            FetchIsolation.TxnCommitted => LastStableOffset,
            _ => Log.HighWatermark,
        };
        FetchSlice slice;
        try
        {
            if (Log.IsOffline)
            {
                return PartitionReadResult.Failed(ErrorCode.KafkaStorageError);
            }

            slice = Log.Read(fetch.FetchOffset, Math.Max(0, fetch.MaxBytes), maxOffset, fetch.MinOneBatch);
        }
        catch (Exception e) when (StorageErrors.IsStorageError(e))
        {
            // An unreadable log answers this partition only, as Kafka's ReplicaManager does.
            return PartitionReadResult.Failed(ErrorCode.KafkaStorageError);
        }

        if (slice.Error == LogError.None && fetch.IsFromFollower)
        {
            UpdateFollowerFetchState(fetch.ReplicaId, fetch.FetchOffset, fetch.ReplicaLogStartOffset, fetch.FetchTimeMs);
        }

        // Without transactions the last stable offset is the high watermark the read saw.
        return new PartitionReadResult((ErrorCode)(short)slice.Error, slice, slice.HighWatermark, slice.HighWatermark, slice.LogStartOffset, logEndOffset);
    }

    /// <summary>
    /// Kafka's diverging-epoch check (KIP-595's fetch-based truncation, as followers use from Fetch v12):
    /// the end offset here of the follower's last fetched epoch. Ending before the fetch offset, or
    /// known here only by an older epoch, means the follower holds records this leader does not: it
    /// is told the epoch and end offset to truncate to instead of records, and its fetch state is not
    /// updated. An epoch this log cannot place, or a fetch below the log start, is OFFSET_OUT_OF_RANGE.
    /// </summary>
    private PartitionReadResult? CheckDivergence(in FetchParams fetch, long logEndOffset)
    {
        var found = Log.EndOffsetForEpoch(fetch.LastFetchedEpoch);
        var logStart = Log.LogStartOffset;
        var hw = Log.HighWatermark;
        if (found.StartOffset == LeaderEpochCache.UndefinedEpochOffset || found.Epoch == LeaderEpochCache.UndefinedEpoch || fetch.FetchOffset < logStart)
        {
            return new PartitionReadResult(ErrorCode.OffsetOutOfRange, default, hw, hw, logStart, logEndOffset);
        }

        return found.Epoch < fetch.LastFetchedEpoch || found.StartOffset < fetch.FetchOffset
            ? new PartitionReadResult(ErrorCode.None, default, hw, hw, logStart, logEndOffset, found.Epoch, found.StartOffset)
            : null;
    }

    /// <summary>Completes when the log end offset or high watermark differs from the values a read saw (Fetch long-poll).</summary>
    public Task WaitForChangeAsync(long knownLogEndOffset, long knownHighWatermark, CancellationToken cancellationToken) =>
        Log.WaitForChangeAsync(knownLogEndOffset, knownHighWatermark, cancellationToken);

    /// <summary>
    /// Kafka's fetchOffsetForTimestamp (ListOffsets v1+): latest is the last fetchable offset (the high
    /// watermark or last stable offset for a consumer's <paramref name="isolation"/>, the log end for a
    /// replica, null), earliest the log start offset, max timestamp the record with the largest one, and
    /// any other timestamp the first record at or after it below the last fetchable offset. A new leader
    /// whose high watermark has not reached its epoch's start answers a consumer OFFSET_NOT_AVAILABLE
    /// rather than an offset it may not have yet. <paramref name="fetchOnlyFromLeader"/> is false only
    /// for the debugging replica id (-2).
    /// </summary>
    public OffsetLookup FetchOffsetForTimestamp(long timestamp, int currentLeaderEpoch, FetchIsolation? isolation, bool fetchOnlyFromLeader)
    {
        var state = _state;
        var error = CheckLeaderEpoch(state, currentLeaderEpoch, fetchOnlyFromLeader);
        if (error != ErrorCode.None)
        {
            return OffsetLookup.Failed(error);
        }

        var lastFetchable = isolation switch
        {
            FetchIsolation.TxnCommitted => LastStableOffset,
            FetchIsolation.HighWatermark => Log.HighWatermark,
            _ => Log.LogEndOffset,
        };
        var epochStart = Volatile.Read(ref _leaderEpochStartOffset);
        var lagging = isolation is not null && state.IsLeader && epochStart > Log.HighWatermark;
        switch (timestamp)
        {
            case LatestTimestamp:
                return lagging ? OffsetLookup.Failed(ErrorCode.OffsetNotAvailable) : new OffsetLookup(ErrorCode.None, -1, lastFetchable, state.LeaderEpoch);
            case EarliestTimestamp:
                return new OffsetLookup(ErrorCode.None, -1, Log.LogStartOffset, state.LeaderEpoch);
            case MaxTimestamp:
                var max = Log.LatestTimestampAndOffset();
                return new OffsetLookup(ErrorCode.None, max.Timestamp, max.Offset, state.LeaderEpoch);
            default:
                if (Log.FindOffsetByTimestamp(timestamp) is { } found && found.Offset < lastFetchable)
                {
                    return new OffsetLookup(ErrorCode.None, found.Timestamp, found.Offset, state.LeaderEpoch);
                }

                return lagging ? OffsetLookup.Failed(ErrorCode.OffsetNotAvailable) : new OffsetLookup(ErrorCode.None, -1, -1, state.LeaderEpoch);
        }
    }

    /// <summary>
    /// ListOffsets v0 (Kafka's legacyFetchOffsetsForTimestamp): up to <paramref name="maxNumOffsets"/>
    /// segment-boundary offsets at or before <paramref name="timestamp"/>, newest first. A consumer never
    /// learns of offsets past the high watermark: it gets the high watermark instead, as Kafka 3.x did.
    /// </summary>
    public (ErrorCode Error, List<long> Offsets) LegacyOffsetsBefore(long timestamp, int maxNumOffsets, bool fromConsumer, bool fetchOnlyFromLeader)
    {
        var error = CheckLeaderEpoch(-1, fetchOnlyFromLeader);
        if (error != ErrorCode.None)
        {
            return (error, []);
        }

        var offsets = Log.LegacyOffsetsBefore(timestamp, maxNumOffsets);
        var result = new List<long>(offsets.Length + 1);
        var hw = Log.HighWatermark;
        if (fromConsumer && offsets.Length > 0 && offsets[0] > hw)
        {
            result.Add(hw);
        }

        foreach (var offset in offsets)
        {
            if (!fromConsumer || offset <= hw)
            {
                result.Add(offset);
            }
        }

        return (ErrorCode.None, result);
    }

    /// <summary>
    /// Kafka's lastOffsetForLeaderEpoch (OffsetForLeaderEpoch): the leader epoch check (the current
    /// leader epoch, -1 to skip; leadership unless <paramref name="fetchOnlyFromLeader"/> is false),
    /// then the end offset of <paramref name="leaderEpoch"/>, or of the largest epoch below it, from the
    /// leader epoch cache; (-1, -1) when it is unknown.
    /// </summary>
    public (ErrorCode Error, int LeaderEpoch, long EndOffset) LastOffsetForLeaderEpoch(int currentLeaderEpoch, int leaderEpoch, bool fetchOnlyFromLeader)
    {
        var error = CheckLeaderEpoch(currentLeaderEpoch, fetchOnlyFromLeader);
        if (error != ErrorCode.None)
        {
            return (error, LeaderEpochCache.UndefinedEpoch, LeaderEpochCache.UndefinedEpochOffset);
        }

        var found = Log.EndOffsetForEpoch(leaderEpoch);
        return found.StartOffset == LeaderEpochCache.UndefinedEpochOffset
            ? (ErrorCode.None, LeaderEpochCache.UndefinedEpoch, LeaderEpochCache.UndefinedEpochOffset)
            : (ErrorCode.None, found.Epoch, found.StartOffset);
    }

    /// <summary>
    /// Kafka's deleteRecordsOnLeader: moves the log start offset up to <paramref name="offset"/> (-1 = the
    /// high watermark) and returns the new low watermark. NOT_LEADER_OR_FOLLOWER on a follower; offsets
    /// beyond the high watermark, or negative otherwise, fail with OFFSET_OUT_OF_RANGE. Followers' log
    /// start offsets are not waited for (Kafka's DelayedDeleteRecords): the low watermark is the leader's.
    /// </summary>
    public (ErrorCode Error, long LowWatermark) DeleteRecordsOnLeader(long offset)
    {
        var error = CheckLeaderEpoch(-1, requireLeader: true);
        if (error != ErrorCode.None)
        {
            return (error, -1);
        }

        var target = offset == HighWatermarkOffset ? Log.HighWatermark : offset;
        var (logError, lowWatermark) = Log.DeleteRecordsBefore(target);
        return logError == LogError.None ? (ErrorCode.None, lowWatermark) : ((ErrorCode)(short)logError, -1);
    }
}

/// <summary>A ListOffsets answer for one partition: the offset found (-1 none), its timestamp (-1 none) and the leader epoch.</summary>
public readonly record struct OffsetLookup(ErrorCode Error, long Timestamp, long Offset, int LeaderEpoch)
{
    public static OffsetLookup Failed(ErrorCode error) => new(error, -1, -1, -1);
}
