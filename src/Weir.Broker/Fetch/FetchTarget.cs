namespace Weir.Broker.Fetch;

/// <summary>
/// One partition a fetch reads: the topic (by id from v13, when <paramref name="Topic"/> is empty;
/// by name before) and the fetcher's position and limits. A follower also says the epoch of the last
/// batch it holds (<paramref name="LastFetchedEpoch"/>, v12+, -1 none) and its log start offset.
/// </summary>
public readonly record struct FetchTarget(
    FetchPartitionKey Key,
    Guid TopicId,
    string Topic,
    int Partition,
    long FetchOffset,
    int PartitionMaxBytes,
    int CurrentLeaderEpoch,
    int LastFetchedEpoch = -1,
    long LogStartOffset = -1);
