using Weir.Protocol;

namespace Weir.Client.Admin;

/// <summary>
/// One log dir of a broker as DescribeLogDirs reports it (Kafka's admin <c>LogDirDescription</c>): an error
/// (KAFKA_STORAGE_ERROR for an offline dir), its replicas, and the volume's bytes (null before v4).
/// </summary>
public sealed record LogDirDescription(string Path, ErrorCode Error, IReadOnlyDictionary<TopicPartition, ReplicaInfo> Replicas, long? TotalBytes, long? UsableBytes);

/// <summary>A replica in a log dir: bytes on disk, how far behind the current replica a future one is, and whether it is the future one.</summary>
public readonly record struct ReplicaInfo(long Size, long OffsetLag, bool IsFuture);
