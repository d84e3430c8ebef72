using Weir.Protocol.Messages;

namespace Weir.Broker.Fetch;

/// <summary>
/// A session's state for one partition: the fetcher's last request parameters (used when an
/// incremental fetch leaves the partition out) and what it was last told (high watermark, log
/// start offset), to decide whether the next incremental response must include the partition.
/// </summary>
internal sealed class CachedPartition(FetchPartitionKey key, Guid topicId, string topic, int partition)
{
    public FetchPartitionKey Key { get; } = key;

    public Guid TopicId { get; } = topicId;

    /// <summary>The name the fetcher used (empty for v13+ sessions, whose names come from the metadata image).</summary>
    public string Topic { get; } = topic;

    public int Partition { get; } = partition;

    public long FetchOffset { get; private set; }

    public int MaxBytes { get; private set; }

    public int CurrentLeaderEpoch { get; private set; } = -1;

    public int LastFetchedEpoch { get; private set; } = -1;

    public long FetcherLogStartOffset { get; private set; } = -1;

    /// <summary>-1 until the fetcher has been answered, and after an error, so the partition is (re)sent.</summary>
    public long HighWatermark { get; set; } = -1;

    public long LocalLogStartOffset { get; set; } = -1;

    public static CachedPartition From(FetchRequest.FetchTopic topic, FetchRequest.FetchPartition wanted, bool usesTopicIds)
    {
        var name = usesTopicIds ? string.Empty : topic.Topic;
        var cached = new CachedPartition(FetchPartitionKey.Of(topic.TopicId, name, wanted.Partition, usesTopicIds), usesTopicIds ? topic.TopicId : Guid.Empty, name, wanted.Partition);
        cached.UpdateRequest(wanted);
        return cached;
    }

    public void UpdateRequest(FetchRequest.FetchPartition wanted)
    {
        FetchOffset = wanted.FetchOffset;
        MaxBytes = wanted.PartitionMaxBytes;
        CurrentLeaderEpoch = wanted.CurrentLeaderEpoch;
        LastFetchedEpoch = wanted.LastFetchedEpoch;
        FetcherLogStartOffset = wanted.LogStartOffset;
    }

    public FetchTarget ToTarget() => new(Key, TopicId, Topic, Partition, FetchOffset, MaxBytes, CurrentLeaderEpoch, LastFetchedEpoch, FetcherLogStartOffset);

    /// <summary>Records what a full response told the fetcher.</summary>
    public void Remember(FetchResponse.PartitionData data)
    {
        HighWatermark = data.ErrorCode != 0 ? -1 : data.HighWatermark;
        LocalLogStartOffset = data.LogStartOffset;
    }

    /// <summary>
    /// Kafka's rule for incremental responses: include the partition when it has records, a new
    /// high watermark or log start offset, an error, a preferred read replica or a diverging epoch;
    /// remember what is sent.
    /// </summary>
    public bool MustRespond(FetchResponse.PartitionData data)
    {
        var must = data.Records is { Length: > 0 };
        if (HighWatermark != data.HighWatermark)
        {
            HighWatermark = data.HighWatermark;
            must = true;
        }

        if (LocalLogStartOffset != data.LogStartOffset)
        {
            LocalLogStartOffset = data.LogStartOffset;
            must = true;
        }

        if (data.ErrorCode != 0)
        {
            // Forget the high watermark so the partition is sent again once the error clears.
            HighWatermark = -1;
            must = true;
        }

        return must || data.PreferredReadReplica >= 0 || data.DivergingEpoch.EndOffset >= 0;
    }
}
