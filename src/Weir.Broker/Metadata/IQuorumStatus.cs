namespace Weir.Broker.Metadata;

/// <summary>
/// What DescribeQuorum reports about the metadata quorum, read-only and beside <see cref="IMetadataQuorum"/>
/// (which the controller appends through). <see cref="LocalMetadataQuorum"/> answers for its one voter; a Raft
/// quorum answers from <c>RaftNode.Describe()</c>, whose <c>QuorumInfo</c> has the same fields.
/// </summary>
public interface IQuorumStatus
{
    /// <summary>The quorum as its leader sees it, or null unless this node leads (DescribeQuorum answers NOT_LEADER_OR_FOLLOWER then).</summary>
    QuorumDescription? Describe();
}

/// <summary>The leader, its epoch, the high watermark (the committed offset + 1) and every voter's and observer's progress.</summary>
public sealed record QuorumDescription(int LeaderId, int LeaderEpoch, long HighWatermark, IReadOnlyList<QuorumReplicaDescription> Voters, IReadOnlyList<QuorumReplicaDescription> Observers);

/// <summary>
/// One replica of <see cref="QuorumDescription"/>. DirectoryId is <see cref="Guid.Empty"/> for a voter known only by
/// its id (a static voter set, as Kafka reports it); LogEndOffset is -1 before the first fetch; times are Unix
/// milliseconds, -1 when unknown.
/// </summary>
public sealed record QuorumReplicaDescription(int ReplicaId, Guid DirectoryId, long LogEndOffset, long LastFetchTimestamp, long LastCaughtUpTimestamp);
