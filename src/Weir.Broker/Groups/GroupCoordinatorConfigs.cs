using Weir.Broker.Config;
using Weir.Coordinator.Group;

namespace Weir.Broker.Groups;

/// <summary>Maps the broker's group.* and offsets.* settings onto the coordinator library's config.</summary>
public static class GroupCoordinatorConfigs
{
    /// <param name="config">The broker's settings.</param>
    /// <param name="offsetsTopicPartitions">
    /// The real partition count of <c>__consumer_offsets</c> when it exists already: groups must keep
    /// hashing to the partitions their records are in even if offsets.topic.num.partitions changed since.
    /// </param>
    public static GroupCoordinatorConfig From(BrokerConfig config, int? offsetsTopicPartitions) => new()
    {
        GroupMinSessionTimeoutMs = config.GetInt("group.min.session.timeout.ms"),
        GroupMaxSessionTimeoutMs = config.GetInt("group.max.session.timeout.ms"),
        GroupInitialRebalanceDelayMs = config.GetInt("group.initial.rebalance.delay.ms"),
        GroupMaxSize = config.GetInt("group.max.size"),
        OffsetsRetentionMinutes = config.GetInt("offsets.retention.minutes"),
        OffsetsRetentionCheckIntervalMs = (int)Math.Min(config.GetLong("offsets.retention.check.interval.ms"), int.MaxValue),
        OffsetMetadataMaxBytes = config.GetInt("offset.metadata.max.bytes"),
        OffsetsTopicNumPartitions = offsetsTopicPartitions ?? config.OffsetsTopicNumPartitions,
    };
}
