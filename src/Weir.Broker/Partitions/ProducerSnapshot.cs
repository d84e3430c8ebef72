namespace Weir.Broker.Partitions;

/// <summary>One idempotent producer as a partition remembers it (DescribeProducers).</summary>
public readonly record struct ProducerSnapshot(long ProducerId, short Epoch, int LastSequence, long LastTimestamp);
