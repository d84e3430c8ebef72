namespace Weir.Broker.Partitions;

/// <summary>
/// What the leader knows of one follower from its fetches (Kafka's Replica state): its log end
/// offset (the offset it fetched from; -1 until it fetches under the current leader epoch), its
/// log start offset, and when it last fetched and last had everything the leader had.
/// </summary>
public sealed class FollowerState(int replicaId)
{
    public int ReplicaId { get; } = replicaId;

    public long LogEndOffset { get; internal set; } = -1;

    public long LogStartOffset { get; internal set; } = -1;

    public long LastFetchTimeMs { get; internal set; } = -1;

    /// <summary>The last fetch time at which the follower had reached the leader's log end (what ISR shrinking measures).</summary>
    public long LastCaughtUpTimeMs { get; internal set; } = -1;
}
