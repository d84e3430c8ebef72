using Weir.Protocol;

namespace Weir.Client.Cluster;

/// <summary>One partition as the last metadata response described it.</summary>
public sealed record PartitionMetadata(
    int Partition,
    int Leader,
    int LeaderEpoch,
    IReadOnlyList<int> Replicas,
    IReadOnlyList<int> Isr,
    IReadOnlyList<int> OfflineReplicas,
    ErrorCode Error);
