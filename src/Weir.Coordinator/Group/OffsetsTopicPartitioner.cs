namespace Weir.Coordinator.Group;

/// <summary>
/// Maps a group id to its <c>__consumer_offsets</c> partition exactly as Kafka does:
/// <c>Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions</c> with Java's String.hashCode.
/// FindCoordinator must use the same mapping to name the partition's leader.
/// </summary>
public static class OffsetsTopicPartitioner
{
    /// <summary>Java's <c>String.hashCode()</c>: s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, wrapping.</summary>
    public static int JavaStringHashCode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var hash = 0;
        foreach (var c in value)
        {
            hash = unchecked((31 * hash) + c);
        }
        return hash;
    }

    /// <summary>The partition of <c>__consumer_offsets</c> that owns <paramref name="groupId"/>.</summary>
    public static int PartitionFor(string groupId, int numPartitions)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numPartitions);
        var hash = JavaStringHashCode(groupId);
        // Kafka's Utils.abs maps Integer.MIN_VALUE to 0 rather than overflowing.
        var abs = hash == int.MinValue ? 0 : Math.Abs(hash);
        return abs % numPartitions;
    }
}
