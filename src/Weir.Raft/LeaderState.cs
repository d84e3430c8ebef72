namespace Weir.Raft;

/// <summary>
/// The leader of an epoch (Kafka's LeaderState): what each replica has fetched, the high watermark it
/// may advance, and the check-quorum timer that makes a leader cut off from a majority step down.
/// </summary>
internal sealed class LeaderState : EpochState
{
    private readonly int _localId;
    private readonly Guid _localDirectoryId;
    private readonly IReadOnlyList<int> _voters;
    private readonly Dictionary<int, ReplicaState> _voterStates = [];
    private readonly Dictionary<int, ReplicaState> _observerStates = [];
    private readonly HashSet<int> _fetchedVoters = [];
    private readonly int _checkQuorumTimeoutMs;
    private readonly long[] _offsetsScratch;

    public LeaderState(int epoch, int localId, Guid localDirectoryId, IReadOnlyList<int> voters, long epochStartOffset, IReadOnlyList<int> grantingVoters, long nowMs, int checkQuorumTimeoutMs)
        : base(epoch)
    {
        _localId = localId;
        _localDirectoryId = localDirectoryId;
        _voters = voters;
        EpochStartOffset = epochStartOffset;
        GrantingVoters = grantingVoters;
        _checkQuorumTimeoutMs = checkQuorumTimeoutMs;
        CheckQuorumDeadlineMs = nowMs + checkQuorumTimeoutMs;
        _offsetsScratch = new long[voters.Count];
        foreach (var voter in voters)
        {
            _voterStates[voter] = new ReplicaState(voter);
            if (voter != localId)
            {
                UnackedBeginQuorumVoters.Add(voter);
            }
        }
    }

    public override RaftRole Role => RaftRole.Leader;

    public override int LeaderId => _localId;

    public override int VotedId => _localId;

    public override Guid VotedDirectoryId => _localDirectoryId;

    /// <summary>The offset of this epoch's first record (its LeaderChange control batch).</summary>
    public long EpochStartOffset { get; }

    public IReadOnlyList<int> GrantingVoters { get; }

    /// <summary>Whether the high watermark has passed <see cref="EpochStartOffset"/>: only then is it sent to followers.</summary>
    public bool HasCommittedInEpoch { get; private set; }

    public long CheckQuorumDeadlineMs { get; private set; }

    public HashSet<int> UnackedBeginQuorumVoters { get; } = [];

    public IReadOnlyDictionary<int, ReplicaState> VoterStates => _voterStates;

    public IReadOnlyDictionary<int, ReplicaState> ObserverStates => _observerStates;

    public override bool CanGrantVote(int candidateId, bool isLogUpToDate, bool isPreVote) => false;

    /// <summary>Records a valid fetch; returns the replica's state (observers are added on first fetch).</summary>
    public ReplicaState UpdateReplica(int replicaId, long fetchOffset, long leaderEndOffset, long nowMs)
    {
        if (!_voterStates.TryGetValue(replicaId, out var replica))
        {
            if (!_observerStates.TryGetValue(replicaId, out replica))
            {
                replica = new ReplicaState(replicaId);
                _observerStates[replicaId] = replica;
            }
        }
        // A fetch offset never goes back for one incarnation of a replica, but a replica that lost
        // unflushed data in a crash fetches from lower; Kafka takes the new offset as it is.
        replica.Update(fetchOffset, leaderEndOffset, nowMs);
        return replica;
    }

    /// <summary>The leader's own replicated end (its flushed log end).</summary>
    public void UpdateLocal(long flushedEndOffset, long nowMs) =>
        _voterStates[_localId].Update(flushedEndOffset, flushedEndOffset, nowMs);

    /// <summary>A fetch in this epoch from a voter: it follows this leader (BeginQuorumEpoch acknowledged, check-quorum fed).</summary>
    public void NoteVoterContact(int voterId, long nowMs)
    {
        UnackedBeginQuorumVoters.Remove(voterId);
        _fetchedVoters.Add(voterId);
        // The leader counts itself; a majority heard from restarts the timer.
        if (_fetchedVoters.Count + 1 >= Majority(_voters.Count))
        {
            _fetchedVoters.Clear();
            CheckQuorumDeadlineMs = nowMs + _checkQuorumTimeoutMs;
        }
    }

    /// <summary>
    /// The largest offset a majority of voters have reached; it becomes the high watermark only once it
    /// is past the epoch start, i.e. commits a record of this epoch (Raft's rule against committing by
    /// counting replicas of an older term). Returns the new high watermark or -1 if it did not move.
    /// </summary>
    public long MaybeAdvanceHighWatermark(long currentHighWatermark)
    {
        var i = 0;
        foreach (var voter in _voters)
        {
            _offsetsScratch[i++] = _voterStates[voter].EndOffset;
        }
        Array.Sort(_offsetsScratch);
        // Ascending: the element with a majority at or above it.
        var candidate = _offsetsScratch[_offsetsScratch.Length - Majority(_voters.Count)];
        if (candidate > EpochStartOffset && (!HasCommittedInEpoch || candidate > currentHighWatermark))
        {
            HasCommittedInEpoch = true;
            return Math.Max(candidate, currentHighWatermark);
        }
        return -1;
    }

    /// <summary>Voters other than this one, most caught up first: the preferred successors when resigning.</summary>
    public List<int> NonLeaderVotersByDescendingFetchOffset()
    {
        var result = new List<int>(_voters.Count);
        foreach (var voter in _voters)
        {
            if (voter != _localId)
            {
                result.Add(voter);
            }
        }
        result.Sort((a, b) =>
        {
            var byOffset = _voterStates[b].EndOffset.CompareTo(_voterStates[a].EndOffset);
            return byOffset != 0 ? byOffset : a.CompareTo(b);
        });
        return result;
    }

    public static int Majority(int voterCount) => (voterCount / 2) + 1;
}

/// <summary>What the leader knows of one replica (DescribeQuorum's ReplicaState).</summary>
internal sealed class ReplicaState(int replicaId)
{
    public int ReplicaId { get; } = replicaId;

    /// <summary>The replica's log end as its last fetch said; -1 before any.</summary>
    public long EndOffset { get; private set; } = -1;

    public long LastFetchTimestamp { get; private set; } = -1;

    public long LastCaughtUpTimestamp { get; private set; } = -1;

    private long _lastFetchLeaderEndOffset = -1;

    public void Update(long fetchOffset, long leaderEndOffset, long nowMs)
    {
        // Kafka's rule: caught up now if it fetched to the leader's end, or caught up as of the previous
        // fetch if it now reached what the leader's end was then.
        if (fetchOffset >= leaderEndOffset)
        {
            LastCaughtUpTimestamp = Math.Max(LastCaughtUpTimestamp, nowMs);
        }
        else if (_lastFetchLeaderEndOffset > 0 && fetchOffset >= _lastFetchLeaderEndOffset)
        {
            LastCaughtUpTimestamp = Math.Max(LastCaughtUpTimestamp, LastFetchTimestamp);
        }
        EndOffset = fetchOffset;
        _lastFetchLeaderEndOffset = leaderEndOffset;
        LastFetchTimestamp = nowMs;
    }
}
