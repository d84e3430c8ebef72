using Weir.Protocol;

namespace Weir.Client.Cluster;

/// <summary>One partition's answer to ListOffsets: the offset found (-1: none), its record's timestamp and leader epoch, or an error.</summary>
public readonly record struct ListedOffset(long Offset, long Timestamp, int LeaderEpoch, ErrorCode Error);
