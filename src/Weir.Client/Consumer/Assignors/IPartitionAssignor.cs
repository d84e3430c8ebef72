namespace Weir.Client.Consumer.Assignors;

/// <summary>A client-side assignor of the classic consumer protocol, by Kafka's protocol name.</summary>
internal interface IPartitionAssignor
{
    /// <summary>The protocol name in JoinGroup: range, roundrobin, cooperative-sticky.</summary>
    string Name { get; }

    /// <summary>True for incremental (cooperative) rebalancing: members keep what does not move.</summary>
    bool IsCooperative { get; }

    /// <summary>Member id to its partitions; every member appears (possibly with none).</summary>
    Dictionary<string, List<TopicPartition>> Assign(IReadOnlyDictionary<string, int> partitionsPerTopic, IReadOnlyList<MemberSubscription> members);
}
