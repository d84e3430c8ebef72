using Weir.Protocol;

namespace Weir.Client.Cluster;

/// <summary>One topic as the last metadata response described it; partitions are in partition order.</summary>
public sealed record TopicMetadata(string Name, Guid TopicId, ErrorCode Error, bool IsInternal, IReadOnlyList<PartitionMetadata> Partitions)
{
    /// <summary>The partition with this index, or null when the topic has none such.</summary>
    public PartitionMetadata? Partition(int partition)
    {
        // Partitions are stored by index when the broker numbered them 0..n-1 (always, in practice).
        if (partition >= 0 && partition < Partitions.Count && Partitions[partition].Partition == partition)
        {
            return Partitions[partition];
        }

        foreach (var p in Partitions)
        {
            if (p.Partition == partition)
            {
                return p;
            }
        }

        return null;
    }
}
