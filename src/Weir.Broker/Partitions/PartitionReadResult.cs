using Weir.Protocol;
using Weir.Storage.Log;

namespace Weir.Broker.Partitions;

/// <summary>
/// What <see cref="Partition.Read"/> found: an error, or a slice of whole batches (maybe empty) and the
/// partition's offsets for the response. <see cref="KnownLogEndOffset"/> / <see cref="HighWatermark"/>
/// are what a long-polling fetch waits to change (taken before the read, so an append racing it still wakes the wait).
/// A follower whose log diverged from the leader's gets no records but <see cref="DivergingEpoch"/> /
/// <see cref="DivergingEndOffset"/>: the largest epoch both may share and where it ends here (-1, -1 otherwise).
/// </summary>
public readonly record struct PartitionReadResult(
    ErrorCode Error,
    FetchSlice Slice,
    long HighWatermark,
    long LastStableOffset,
    long LogStartOffset,
    long KnownLogEndOffset,
    int DivergingEpoch = -1,
    long DivergingEndOffset = -1)
{
    public bool HasDivergingEpoch => DivergingEndOffset >= 0;

    public static PartitionReadResult Failed(ErrorCode error, long logStartOffset = -1) => new(error, default, -1, -1, logStartOffset, -1);
}
