namespace Weir.Broker.Partitions;

/// <summary>How far a fetch may read (Kafka's FetchIsolation).</summary>
public enum FetchIsolation
{
    /// <summary>A follower: everything the leader holds.</summary>
    LogEnd,

    /// <summary>A read_uncommitted consumer: up to the high watermark.</summary>
    HighWatermark,

    /// <summary>A read_committed consumer: up to the last stable offset.</summary>
    TxnCommitted,
}

/// <summary>
/// One partition of a fetch, as <see cref="Partition.Read"/> takes it (Kafka's FetchParams with the
/// partition's FetchPartitionData): who fetches (<paramref name="ReplicaId"/> ≥ 0 for a follower, -1 for
/// a consumer), from where, how much, and the fetcher's view of the leader epoch (-1 to skip the check).
/// <paramref name="FetchTimeMs"/> and <paramref name="ReplicaLogStartOffset"/> feed a follower's fetch state;
/// <paramref name="LastFetchedEpoch"/> (a follower's last batch's epoch, -1 none) lets the leader tell it where its log diverges.
/// </summary>
public readonly record struct FetchParams(
    int ReplicaId,
    long FetchOffset,
    int MaxBytes,
    bool MinOneBatch,
    int CurrentLeaderEpoch,
    FetchIsolation Isolation,
    long FetchTimeMs = -1,
    long ReplicaLogStartOffset = -1,
    int LastFetchedEpoch = -1)
{
    public const int ConsumerReplicaId = -1;

    public bool IsFromFollower => ReplicaId >= 0;

    /// <summary>A consumer's fetch: read_committed (isolation level 1) reads to the last stable offset.</summary>
    public static FetchParams ForConsumer(long fetchOffset, int maxBytes, bool minOneBatch, int currentLeaderEpoch, sbyte isolationLevel) =>
        new(ConsumerReplicaId, fetchOffset, maxBytes, minOneBatch, currentLeaderEpoch, isolationLevel == 1 ? FetchIsolation.TxnCommitted : FetchIsolation.HighWatermark);

    /// <summary>A follower's fetch: it reads to the log end, and its fetch offset is its log end offset.</summary>
    public static FetchParams ForFollower(int replicaId, long fetchOffset, int maxBytes, bool minOneBatch, int currentLeaderEpoch, long fetchTimeMs, long replicaLogStartOffset, int lastFetchedEpoch = -1) =>
        new(replicaId, fetchOffset, maxBytes, minOneBatch, currentLeaderEpoch, FetchIsolation.LogEnd, fetchTimeMs, replicaLogStartOffset, lastFetchedEpoch);
}
