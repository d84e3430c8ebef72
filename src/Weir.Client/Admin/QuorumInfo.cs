namespace Weir.Client.Admin;

/// <summary>
/// The metadata quorum as its leader reports it (DescribeQuorum): leader, epoch, high watermark, the voters and
/// observers, and (v2) each voter's endpoints by node id.
/// </summary>
public sealed record QuorumInfo(int LeaderId, long LeaderEpoch, long HighWatermark, IReadOnlyList<QuorumReplicaState> Voters, IReadOnlyList<QuorumReplicaState> Observers, IReadOnlyDictionary<int, IReadOnlyList<RaftVoterEndpoint>> Nodes);

/// <summary>
/// One replica of <see cref="QuorumInfo"/>. DirectoryId is <see cref="Guid.Empty"/> when the voter has none or the
/// broker spoke a version before 2; the timestamps (Unix ms) are null when unknown or not reported (v0).
/// </summary>
public sealed record QuorumReplicaState(int ReplicaId, Guid DirectoryId, long LogEndOffset, long? LastFetchTimestamp, long? LastCaughtUpTimestamp);

/// <summary>A voter's listener; printed as Kafka prints it, <c>NAME://host:port</c> with IPv6 hosts in brackets.</summary>
public sealed record RaftVoterEndpoint(string Name, string Host, int Port)
{
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"{Name}://[{Host}]:{Port}" : $"{Name}://{Host}:{Port}";
}
