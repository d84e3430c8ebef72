namespace Weir.Coordinator.Group;

/// <summary>
/// Where the coordinator persists offsets and group metadata: the partitions of <c>__consumer_offsets</c>.
/// The append completes once the records are durable as the broker defines it (e.g. acks=all);
/// a failure is a <see cref="GroupStoreException"/> carrying the partition's error.
/// </summary>
public interface IGroupStore
{
    /// <summary>Appends the records, in order, to one <c>__consumer_offsets</c> partition.</summary>
    ValueTask AppendAsync(int partition, IReadOnlyList<GroupRecord> records, CancellationToken cancellationToken);
}
