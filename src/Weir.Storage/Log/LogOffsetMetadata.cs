namespace Weir.Storage.Log;

/// <summary>
/// An offset with its place in the files (Kafka's <c>LogOffsetMetadata</c>): the segment and byte
/// position where the batch starting at <see cref="Offset"/> would begin. Published as one immutable
/// object so readers get offset and position consistently.
/// </summary>
internal sealed record LogOffsetMetadata(long Offset, long SegmentBaseOffset, int Position);
