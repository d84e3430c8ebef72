namespace Weir.Client.Consumer.Assignors;

/// <summary>Kafka's RoundRobinAssignor: all partitions in topic order dealt to members in turn (skipping members not subscribed).</summary>
internal sealed class RoundRobinAssignor : IPartitionAssignor
{
    public string Name => "roundrobin";

    public bool IsCooperative => false;

    public Dictionary<string, List<TopicPartition>> Assign(IReadOnlyDictionary<string, int> partitionsPerTopic, IReadOnlyList<MemberSubscription> members)
    {
        var result = PartitionAssignors.Empty(members);
        var sorted = PartitionAssignors.Sorted(members);
        if (sorted.Count == 0)
        {
            return result;
        }

        var topics = new List<string>(partitionsPerTopic.Keys);
        topics.Sort(StringComparer.Ordinal);
        var turn = 0;
        foreach (var topic in topics)
        {
            for (var p = 0; p < partitionsPerTopic[topic]; p++)
            {
                for (var tries = 0; tries < sorted.Count; tries++)
                {
                    var member = sorted[turn++ % sorted.Count];
                    if (member.Topics.Contains(topic))
                    {
                        result[member.MemberId].Add(new TopicPartition(topic, p));
                        break;
                    }
                }
            }
        }

        return result;
    }
}
