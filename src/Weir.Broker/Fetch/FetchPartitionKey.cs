namespace Weir.Broker.Fetch;

/// <summary>
/// A partition's identity within a fetch session: by topic id for sessions made with Fetch v13+
/// (the name may be unknown), by topic name before that (the id is then always zero).
/// </summary>
public readonly record struct FetchPartitionKey(Guid TopicId, string? Topic, int Partition)
{
    public static FetchPartitionKey Of(Guid topicId, string topic, int partition, bool usesTopicIds) =>
        usesTopicIds ? new(topicId, null, partition) : new(Guid.Empty, topic, partition);
}
