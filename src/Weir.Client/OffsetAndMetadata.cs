namespace Weir.Client;

/// <summary>A committed position: the offset of the next record to read, optional metadata and the leader epoch it was read in (-1: unknown).</summary>
public sealed record OffsetAndMetadata(long Offset, string? Metadata = null, int LeaderEpoch = -1);
