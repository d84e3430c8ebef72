namespace Weir.Raft;

/// <summary>
/// What a DescribeQuorum response reports, as the leader sees it: the leader and epoch, the high
/// watermark and each voter's and observer's progress. Times are Unix milliseconds, -1 when unknown.
/// </summary>
public sealed record QuorumInfo(int LeaderId, int LeaderEpoch, long HighWatermark, IReadOnlyList<QuorumReplicaInfo> Voters, IReadOnlyList<QuorumReplicaInfo> Observers);

/// <summary>One replica in <see cref="QuorumInfo"/>; LogEndOffset is -1 before its first fetch.</summary>
public sealed record QuorumReplicaInfo(int ReplicaId, long LogEndOffset, long LastFetchTimestamp, long LastCaughtUpTimestamp);

/// <summary>The outcome of <see cref="RaftNode.Append"/>: NotLeaderOrFollower unless this node leads.</summary>
public readonly record struct RaftAppendResult(Weir.Protocol.ErrorCode Error, long BaseOffset, long LastOffset, int Epoch);
