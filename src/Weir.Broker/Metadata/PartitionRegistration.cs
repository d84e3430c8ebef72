namespace Weir.Broker.Metadata;

/// <summary>One partition as the metadata log describes it (Kafka's PartitionRegistration).</summary>
public sealed record PartitionRegistration(
    int PartitionId,
    int[] Replicas,
    int[] Isr,
    int Leader,
    int LeaderEpoch,
    int PartitionEpoch);
