using Weir.Protocol;

namespace Weir.Client.Cluster;

/// <summary>One topic as the last metadata response described it; partitions are in partition order.</summary>
public sealed record TopicMetadata(string Name, Guid TopicId, ErrorCode Error, bool IsInternal, IReadOnlyList<PartitionMetadata> Partitions);
