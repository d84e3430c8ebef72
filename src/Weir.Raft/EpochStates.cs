namespace Weir.Raft;

/// <summary>The roles of KIP-595 plus KIP-996's Prospective (pre-vote).</summary>
public enum RaftRole
{
    Unattached,
    Prospective,
    Candidate,
    Leader,
    Follower,
    Resigned,
}

/// <summary>
/// One role in one epoch (Kafka's EpochState). Each state knows the vote it may grant: a standard
/// vote only while it has not voted for another node in the epoch, a pre-vote (KIP-996) whenever the
/// candidate's log is at least as up to date, unless it is a follower that still hears its leader.
/// </summary>
internal abstract class EpochState(int epoch)
{
    public int Epoch { get; } = epoch;

    public abstract RaftRole Role { get; }

    /// <summary>The leader of this epoch as this state knows it, -1 if none.</summary>
    public virtual int LeaderId => -1;

    public virtual int VotedId => -1;

    public virtual Guid VotedDirectoryId => Guid.Empty;

    public abstract bool CanGrantVote(int candidateId, bool isLogUpToDate, bool isPreVote);

    /// <summary>What the quorum-state file holds for this state.</summary>
    public ElectionState ToElectionState() => new(Epoch, LeaderId, VotedId, VotedDirectoryId);

    public override string ToString() => $"{Role}(epoch {Epoch}, leader {LeaderId}, voted {VotedId})";
}

internal sealed class UnattachedState(int epoch, int votedId, Guid votedDirectoryId, long electionDeadlineMs) : EpochState(epoch)
{
    public override RaftRole Role => RaftRole.Unattached;

    public override int VotedId => votedId;

    public override Guid VotedDirectoryId => votedDirectoryId;

    public long ElectionDeadlineMs { get; set; } = electionDeadlineMs;

    public override bool CanGrantVote(int candidateId, bool isLogUpToDate, bool isPreVote)
    {
        if (isPreVote)
        {
            return isLogUpToDate;
        }
        // A vote once cast is repeated to the same candidate (its request may have been lost) and refused to any other.
        return votedId >= 0 ? votedId == candidateId : isLogUpToDate;
    }
}

/// <summary>
/// A state that asks for votes (Prospective for pre-votes, Candidate for votes): the election's tally
/// (Kafka's EpochElection), starting with this voter's own vote.
/// </summary>
internal abstract class VotingState(int epoch, int localId, long electionDeadlineMs, int retries, int majority) : EpochState(epoch)
{
    private readonly HashSet<int> _granted = [localId];
    private readonly HashSet<int> _rejected = [];

    public long ElectionDeadlineMs { get; } = electionDeadlineMs;

    public int Retries { get; } = retries;

    public IReadOnlySet<int> Granted => _granted;

    public IReadOnlySet<int> Rejected => _rejected;

    public void RecordGranted(int voterId) => _granted.Add(voterId);

    public void RecordRejected(int voterId) => _rejected.Add(voterId);

    public bool IsVoteGranted => _granted.Count >= majority;

    public bool IsVoteRejected(int voterCount) => voterCount - _rejected.Count < majority;
}

/// <summary>
/// KIP-996: before bumping the epoch a voter asks for pre-votes at its current epoch. It keeps the
/// vote and leader of the epoch, so that losing sends it back to where it came from.
/// </summary>
internal sealed class ProspectiveState(int epoch, int localId, int retainedLeaderId, int votedId, Guid votedDirectoryId, long electionDeadlineMs, int retries, int majority)
    : VotingState(epoch, localId, electionDeadlineMs, retries, majority)
{
    public override RaftRole Role => RaftRole.Prospective;

    /// <summary>The leader this voter followed before it timed out; not reported as leader, but returned to on a lost pre-vote.</summary>
    public int RetainedLeaderId { get; } = retainedLeaderId;

    public override int VotedId => votedId;

    public override Guid VotedDirectoryId => votedDirectoryId;

    public override bool CanGrantVote(int candidateId, bool isLogUpToDate, bool isPreVote)
    {
        if (isPreVote)
        {
            return isLogUpToDate;
        }
        return votedId >= 0 ? votedId == candidateId : isLogUpToDate;
    }
}

internal sealed class CandidateState(int epoch, int localId, Guid localDirectoryId, long electionDeadlineMs, int retries, int majority)
    : VotingState(epoch, localId, electionDeadlineMs, retries, majority)
{
    public override RaftRole Role => RaftRole.Candidate;

    public override int VotedId { get; } = localId;

    public override Guid VotedDirectoryId => localDirectoryId;

    /// <summary>Set once the election is lost or timed out: the time at which to try again (via Prospective).</summary>
    public long? BackoffUntilMs { get; set; }

    public override bool CanGrantVote(int candidateId, bool isLogUpToDate, bool isPreVote) =>
        isPreVote ? isLogUpToDate : candidateId == VotedId;
}

internal sealed class FollowerState(int epoch, int leaderId, int votedId, Guid votedDirectoryId, long fetchDeadlineMs) : EpochState(epoch)
{
    public override RaftRole Role => RaftRole.Follower;

    public override int LeaderId => leaderId;

    public override int VotedId => votedId;

    public override Guid VotedDirectoryId => votedDirectoryId;

    public long FetchDeadlineMs { get; set; } = fetchDeadlineMs;

    /// <summary>A successful fetch in this epoch: the leader is alive, so pre-votes are refused.</summary>
    public bool HasFetchedFromLeader { get; set; }

    public override bool CanGrantVote(int candidateId, bool isLogUpToDate, bool isPreVote) =>
        isPreVote && !HasFetchedFromLeader && isLogUpToDate;
}

/// <summary>A leader that gave up (check-quorum or on request): it tells the voters with EndQuorumEpoch and waits for an election.</summary>
internal sealed class ResignedState(int epoch, int localId, Guid localDirectoryId, long electionDeadlineMs, IReadOnlyList<int> preferredSuccessors, IEnumerable<int> unackedVoters)
    : EpochState(epoch)
{
    public override RaftRole Role => RaftRole.Resigned;

    public override int LeaderId => localId;

    public override int VotedId => localId;

    public override Guid VotedDirectoryId => localDirectoryId;

    public long ElectionDeadlineMs { get; } = electionDeadlineMs;

    public IReadOnlyList<int> PreferredSuccessors { get; } = preferredSuccessors;

    public HashSet<int> UnackedVoters { get; } = [.. unackedVoters];

    public override bool CanGrantVote(int candidateId, bool isLogUpToDate, bool isPreVote) => isPreVote && isLogUpToDate;
}
