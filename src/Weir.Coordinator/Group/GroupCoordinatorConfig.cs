namespace Weir.Coordinator.Group;

/// <summary>The group coordinator's settings, named and defaulted as Kafka's broker configs.</summary>
public sealed class GroupCoordinatorConfig
{
    /// <summary><c>group.min.session.timeout.ms</c>: the smallest session timeout a JoinGroup may ask for.</summary>
    public int GroupMinSessionTimeoutMs { get; init; } = 6000;

    /// <summary><c>group.max.session.timeout.ms</c>: the largest session timeout a JoinGroup may ask for.</summary>
    public int GroupMaxSessionTimeoutMs { get; init; } = 1800000;

    /// <summary><c>group.initial.rebalance.delay.ms</c>: how long a new (empty) group waits for more members.</summary>
    public int GroupInitialRebalanceDelayMs { get; init; } = 3000;

    /// <summary><c>group.max.size</c>: the most members a classic group admits.</summary>
    public int GroupMaxSize { get; init; } = int.MaxValue;

    /// <summary>How long a new member's parked JoinGroup may wait before it is dropped (Kafka's fixed 5 minutes).</summary>
    public int GroupNewMemberJoinTimeoutMs { get; init; } = 300000;

    /// <summary><c>offsets.retention.minutes</c>: how long offsets of an empty group are kept.</summary>
    public int OffsetsRetentionMinutes { get; init; } = 10080;

    /// <summary><c>offsets.retention.check.interval.ms</c>: how often expired offsets and groups are cleaned up.</summary>
    public int OffsetsRetentionCheckIntervalMs { get; init; } = 600000;

    /// <summary><c>offset.metadata.max.bytes</c>: the longest metadata string a committed offset may carry.</summary>
    public int OffsetMetadataMaxBytes { get; init; } = 4096;

    /// <summary><c>offsets.topic.num.partitions</c>: the partition count of <c>__consumer_offsets</c>.</summary>
    public int OffsetsTopicNumPartitions { get; init; } = 50;

    internal long OffsetsRetentionMs => OffsetsRetentionMinutes * 60L * 1000L;
}
