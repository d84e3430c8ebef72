using Weir.Protocol;
using Weir.Storage.Log;

namespace Weir.Broker.Partitions;

/// <summary>Record-level operations on a hosted partition as its leader: DeleteRecords and OffsetForLeaderEpoch.</summary>
public static class PartitionRecords
{
    /// <summary>DeleteRecords' "up to the high watermark" offset.</summary>
    public const long HighWatermarkOffset = -1;

    /// <summary>
    /// Deletes the records below <paramref name="offset"/> (-1 = the high watermark). Offsets beyond
    /// the high watermark, or negative otherwise, fail with OFFSET_OUT_OF_RANGE, as in Kafka.
    /// </summary>
    public static (ErrorCode Error, long LowWatermark) DeleteBefore(Partition partition, long offset)
    {
        var log = partition.Log;
        var target = offset == HighWatermarkOffset ? log.HighWatermark : offset;
        var (error, lowWatermark) = log.DeleteRecordsBefore(target);
        return error == LogError.None ? (ErrorCode.None, lowWatermark) : ((ErrorCode)(short)error, -1);
    }

    /// <summary>
    /// OffsetForLeaderEpoch for a partition this node leads: the current leader epoch check (FENCED /
    /// UNKNOWN_LEADER_EPOCH, skipped when -1), then the end offset of <paramref name="leaderEpoch"/>
    /// (or of the largest epoch below it) from the leader epoch cache; (-1, -1) when it is unknown.
    /// </summary>
    public static (ErrorCode Error, int LeaderEpoch, long EndOffset) EndOffsetForEpoch(Partition partition, int currentLeaderEpoch, int leaderEpoch)
    {
        var epochError = CheckCurrentLeaderEpoch(partition, currentLeaderEpoch);
        if (epochError != ErrorCode.None)
        {
            return (epochError, LeaderEpochCache.UndefinedEpoch, LeaderEpochCache.UndefinedEpochOffset);
        }

        var found = partition.Log.EndOffsetForEpoch(leaderEpoch);
        return found.StartOffset == LeaderEpochCache.UndefinedEpochOffset
            ? (ErrorCode.None, LeaderEpochCache.UndefinedEpoch, LeaderEpochCache.UndefinedEpochOffset)
            : (ErrorCode.None, found.Epoch, found.StartOffset);
    }

    /// <summary>A client's view of the leader epoch: older is fenced, newer is not known here yet.</summary>
    public static ErrorCode CheckCurrentLeaderEpoch(Partition partition, int currentLeaderEpoch)
    {
        if (currentLeaderEpoch < 0 || currentLeaderEpoch == partition.LeaderEpoch)
        {
            return ErrorCode.None;
        }

        return currentLeaderEpoch < partition.LeaderEpoch ? ErrorCode.FencedLeaderEpoch : ErrorCode.UnknownLeaderEpoch;
    }
}
