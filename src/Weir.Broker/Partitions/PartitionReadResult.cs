using Weir.Protocol;
using Weir.Storage.Log;

namespace Weir.Broker.Partitions;

/// <summary>
/// What <see cref="Partition.Read"/> found: an error, or a slice of whole batches (maybe empty) and the
/// partition's offsets for the response. <see cref="KnownLogEndOffset"/> / <see cref="HighWatermark"/>
/// are what a long-polling fetch waits to change (taken before the read, so an append racing it still wakes the wait).
/// </summary>
public readonly record struct PartitionReadResult(
    ErrorCode Error,
    FetchSlice Slice,
    long HighWatermark,
    long LastStableOffset,
    long LogStartOffset,
    long KnownLogEndOffset)
{
    public static PartitionReadResult Failed(ErrorCode error, long logStartOffset = -1) => new(error, default, -1, -1, logStartOffset, -1);
}
