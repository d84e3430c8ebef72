namespace Weir.Client.Consumer.Assignors;

/// <summary>Kafka's RangeAssignor: per topic, contiguous ranges of partitions, the first members getting one extra.</summary>
internal sealed class RangeAssignor : IPartitionAssignor
{
    public string Name => "range";

    public bool IsCooperative => false;

    public Dictionary<string, List<TopicPartition>> Assign(IReadOnlyDictionary<string, int> partitionsPerTopic, IReadOnlyList<MemberSubscription> members)
    {
        var result = PartitionAssignors.Empty(members);
        var sorted = PartitionAssignors.Sorted(members);
        var topics = new List<string>(partitionsPerTopic.Keys);
        topics.Sort(StringComparer.Ordinal);
        foreach (var topic in topics)
        {
            var consumers = sorted.FindAll(m => m.Topics.Contains(topic));
            if (consumers.Count == 0)
            {
                continue;
            }

            var count = partitionsPerTopic[topic];
            var per = count / consumers.Count;
            var extra = count % consumers.Count;
            var next = 0;
            for (var i = 0; i < consumers.Count; i++)
            {
                var n = per + (i < extra ? 1 : 0);
                for (var k = 0; k < n; k++)
                {
                    result[consumers[i].MemberId].Add(new TopicPartition(topic, next++));
                }
            }
        }

        return result;
    }
}
