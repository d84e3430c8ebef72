using Weir.Broker.Metadata;
using Weir.Broker.Partitions;

namespace Weir.Broker.Handlers;

/// <summary>
/// KIP-951's hints for a client that reached a broker which does not lead a partition: the leader and
/// its epoch, and the leader's endpoint, so the client retries there without a metadata round trip.
/// </summary>
internal static class CurrentLeaders
{
    /// <summary>
    /// A partition not hosted here that the image gives another leader: clients are told
    /// NOT_LEADER_OR_FOLLOWER, as Kafka does, rather than that it does not exist.
    /// </summary>
    public static PartitionRegistration? LedElsewhere(MetadataImage image, string? topic, int index, int nodeId) =>
        topic is not null && image.TopicsByName.TryGetValue(topic, out var t) && index >= 0 && index < t.Partitions.Length
            && t.Partitions[index] is { } registration && registration.Leader != nodeId
            ? registration
            : null;

    /// <summary>The leader and epoch to hint: the hosted partition's view, else the image's.</summary>
    public static (int LeaderId, int LeaderEpoch) Of(Partition? partition, PartitionRegistration? registration) =>
        partition is not null ? (partition.Leader, partition.LeaderEpoch)
            : registration is not null ? (registration.Leader, registration.LeaderEpoch)
            : (-1, -1);

    /// <summary>The leader's registration, when it has one (a leader of -1 has none).</summary>
    public static BrokerRegistration? Endpoint(MetadataImage image, int leaderId) =>
        leaderId >= 0 && image.Brokers.TryGetValue(leaderId, out var broker) ? broker : null;
}
