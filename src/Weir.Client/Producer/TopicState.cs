namespace Weir.Client.Producer;

/// <summary>The producer's view of one topic: its partitions and the sticky partition for records without a key.</summary>
internal sealed class TopicState(string name)
{
    public readonly string Name = name;

    /// <summary>Replaced (never shrunk) when metadata shows more partitions.</summary>
    public volatile PartitionState[] Partitions = [];

    /// <summary>Where records without a key go until that partition's batch is sealed; negative: pick anew
    /// (-1 - the partition just sealed, or int.MinValue at first).</summary>
    public volatile int StickyPartition = int.MinValue;

    /// <summary>Records produced before the partitions were known, in order; guarded by locking this object.</summary>
    public List<PendingRecord>? Waiting;

    public bool LookingUp;
}
