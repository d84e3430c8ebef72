using Weir.Protocol;

namespace Weir.Client.Cluster;

/// <summary>One partition's answer to ListOffsets.</summary>
public sealed record ListedOffset(long Offset, long Timestamp, int LeaderEpoch, ErrorCode Error);
