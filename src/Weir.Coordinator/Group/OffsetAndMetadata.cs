namespace Weir.Coordinator.Group;

/// <summary>A committed offset as held in memory and in OffsetCommitValue.</summary>
internal sealed record OffsetAndMetadata(
    long Offset,
    int LeaderEpoch,
    string Metadata,
    long CommitTimestampMs,
    long? ExpireTimestampMs);
