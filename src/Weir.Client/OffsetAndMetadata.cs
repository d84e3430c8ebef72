namespace Weir.Client;

/// <summary>A committed offset with its metadata string and (optional) leader epoch.</summary>
public sealed record OffsetAndMetadata(long Offset, string? Metadata = null, int? LeaderEpoch = null);
