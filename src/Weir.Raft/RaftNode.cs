using Weir.Protocol;

namespace Weir.Raft;

/// <summary>
/// One member of the KRaft quorum (KIP-595 with KIP-996 pre-vote and check-quorum), as a state
/// machine with no sockets, threads or clocks of its own: the host calls <see cref="Handle"/> for
/// every message the network delivers and <see cref="Poll"/> whenever the returned delay has passed
/// (and after every Handle); the node sends through <see cref="IRaftNetwork"/> and reads time from
/// the <see cref="TimeProvider"/>. Not thread-safe: one caller at a time, as Kafka's raft thread.
/// </summary>
public sealed partial class RaftNode
{
    private readonly IRaftLog _log;
    private readonly IQuorumStateStore _store;
    private readonly IRaftNetwork _network;
    private readonly TimeProvider _time;
    private readonly RaftOptions _options;
    private readonly Random _random;
    private readonly int[] _voters;
    private readonly HashSet<int> _voterSet;
    private readonly RequestManager _requests;
    private readonly List<ParkedFetch> _parkedFetches = [];
    private EpochState _state = null!;
    private ElectionState _persisted = ElectionState.Initial;
    private long _highWatermark;
    private int _nextCorrelationId;

    /// <param name="nodeId">This node's id (node.id).</param>
    /// <param name="voters">The static voter set (controller.quorum.voters); a node not in it is an observer.</param>
    /// <param name="random">Election jitter and backoff; seeded in simulations.</param>
    /// <param name="directoryId">This node's metadata directory id (KIP-853), or empty.</param>
    public RaftNode(int nodeId, IReadOnlyCollection<int> voters, IRaftLog log, IQuorumStateStore store, IRaftNetwork network,
        TimeProvider time, RaftOptions options, Random random, Guid directoryId = default)
    {
        if (voters.Count == 0)
        {
            throw new ArgumentException("The voter set is empty", nameof(voters));
        }
        NodeId = nodeId;
        DirectoryId = directoryId;
        _voters = [.. voters];
        Array.Sort(_voters);
        _voterSet = [.. _voters];
        _log = log;
        _store = store;
        _network = network;
        _time = time;
        _options = options;
        _random = random;
        _requests = new RequestManager(options);
        Initialize();
    }

    public int NodeId { get; }

    public Guid DirectoryId { get; }

    public bool IsVoter => _voterSet.Contains(NodeId);

    public IReadOnlyList<int> Voters => _voters;

    public RaftRole Role => _state.Role;

    public int Epoch => _state.Epoch;

    /// <summary>The leader of the current epoch, -1 if unknown. A resigned leader still names itself.</summary>
    public int LeaderId => _state.LeaderId;

    public int VotedId => _state.VotedId;

    /// <summary>
    /// Offsets below this are committed. Volatile, as in Kafka: after a restart it starts at 0 and is
    /// learned again from the leader (or recomputed once a new leader commits in its epoch).
    /// </summary>
    public long HighWatermark => _highWatermark;

    public IRaftLog Log => _log;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private int Majority => LeaderState.Majority(_voters.Length);

    private void Initialize()
    {
        var stored = _store.Read() ?? ElectionState.Initial;
        _persisted = stored;
        var now = NowMs;
        var logEpoch = _log.LastFetchedEpoch;
        if (logEpoch > stored.Epoch)
        {
            // The log is ahead of the file (it was replaced or the file lost): nothing voted at that epoch can be known.
            TransitionTo(new UnattachedState(logEpoch, -1, Guid.Empty, now + RandomElectionTimeoutMs()));
        }
        else if (stored.LeaderId == NodeId)
        {
            // A leader that restarts lost its replica states; it stays out of its old epoch's way until the next election.
            TransitionTo(new ResignedState(stored.Epoch, NodeId, DirectoryId, now + RandomElectionTimeoutMs(), [], OtherVoters()));
        }
        else if (stored.LeaderId >= 0)
        {
            TransitionTo(new FollowerState(stored.Epoch, stored.LeaderId, stored.VotedId, stored.VotedDirectoryId, now + _options.FetchTimeoutMs));
        }
        else
        {
            // A candidate that restarts keeps its vote for itself and waits for the next election.
            TransitionTo(new UnattachedState(stored.Epoch, stored.VotedId, stored.VotedDirectoryId, now + RandomElectionTimeoutMs()));
        }
    }

    /// <summary>
    /// Runs timers: elections, fetches, check-quorum, request timeouts, the leader's flush and parked
    /// fetches. Returns how long the host may wait before polling again if no message arrives.
    /// </summary>
    public TimeSpan Poll()
    {
        var now = NowMs;
        _requests.ExpireTimedOut(now);
        long next = _state switch
        {
            LeaderState leader => PollLeader(leader, now),
            CandidateState candidate => PollCandidate(candidate, now),
            ProspectiveState prospective => PollProspective(prospective, now),
            FollowerState follower => PollFollower(follower, now),
            UnattachedState unattached => PollUnattached(unattached, now),
            ResignedState resigned => PollResigned(resigned, now),
            _ => throw new InvalidOperationException($"Unknown state {_state}"),
        };
        next = Math.Min(next, _requests.NextDeadline(now));
        return TimeSpan.FromMilliseconds(Math.Max(0, Math.Min(next, _options.FetchMaxWaitMs)));
    }

    /// <summary>
    /// Appends records as one batch in the current epoch. They are durable on this node after its next
    /// Poll (which flushes) and committed when <see cref="HighWatermark"/> passes <c>LastOffset</c>.
    /// </summary>
    public RaftAppendResult Append(IReadOnlyList<ReadOnlyMemory<byte>> values)
    {
        if (_state is not LeaderState leader)
        {
            return new RaftAppendResult(ErrorCode.NotLeaderOrFollower, -1, -1, _state.Epoch);
        }
        if (values.Count == 0)
        {
            throw new ArgumentException("Nothing to append", nameof(values));
        }
        var baseOffset = _log.EndOffset;
        _log.AppendAsLeader(BuildDataBatch(values, leader.Epoch, NowMs), leader.Epoch);
        return new RaftAppendResult(ErrorCode.None, baseOffset, _log.EndOffset - 1, leader.Epoch);
    }

    /// <summary>Graceful resignation: a leader tells the voters (EndQuorumEpoch) so an election starts without waiting for timeouts.</summary>
    public void Resign()
    {
        if (_state is LeaderState leader)
        {
            TransitionToResigned(leader);
        }
    }

    /// <summary>DescribeQuorum's data, or null unless this node is the leader (the handler answers NOT_LEADER_OR_FOLLOWER then).</summary>
    public QuorumInfo? Describe()
    {
        if (_state is not LeaderState leader)
        {
            return null;
        }
        var voters = new List<QuorumReplicaInfo>(_voters.Length);
        foreach (var voter in _voters)
        {
            voters.Add(ToInfo(leader.VoterStates[voter]));
        }
        var observers = new List<QuorumReplicaInfo>(leader.ObserverStates.Count);
        foreach (var observer in leader.ObserverStates.Values)
        {
            observers.Add(ToInfo(observer));
        }
        observers.Sort((a, b) => a.ReplicaId.CompareTo(b.ReplicaId));
        return new QuorumInfo(NodeId, leader.Epoch, _highWatermark, voters, observers);

        static QuorumReplicaInfo ToInfo(ReplicaState r) => new(r.ReplicaId, r.EndOffset, r.LastFetchTimestamp, r.LastCaughtUpTimestamp);
    }

    public override string ToString() => $"node {NodeId} {_state} hw {_highWatermark} end {_log.EndOffset}";

    private long PollLeader(LeaderState leader, long now)
    {
        // A leader alone in its voter set is its own majority: it never loses touch with one.
        if (_voters.Length > 1 && now >= leader.CheckQuorumDeadlineMs)
        {
            TransitionToResigned(leader);
            return 0;
        }
        if (_log.FlushedEndOffset < _log.EndOffset)
        {
            _log.Flush();
        }
        OnLeaderEndOffset(leader, now);
        CompleteParkedFetches(leader, now, all: false);
        foreach (var voter in leader.UnackedBeginQuorumVoters)
        {
            if (_requests.CanSend(voter, now))
            {
                Send(voter, ApiKey.BeginQuorumEpoch, RaftApiVersions.BeginQuorumEpoch, BuildBeginQuorumEpochRequest(voter), now);
            }
        }
        var next = _voters.Length > 1 ? leader.CheckQuorumDeadlineMs - now : long.MaxValue;
        foreach (var parked in _parkedFetches)
        {
            next = Math.Min(next, parked.DeadlineMs - now);
        }
        return next;
    }

    private void OnLeaderEndOffset(LeaderState leader, long now)
    {
        leader.UpdateLocal(_log.FlushedEndOffset, now);
        MaybeAdvanceLeaderHighWatermark(leader, now);
    }

    private void MaybeAdvanceLeaderHighWatermark(LeaderState leader, long now)
    {
        var advanced = leader.MaybeAdvanceHighWatermark(_highWatermark);
        if (advanced >= 0)
        {
            _highWatermark = advanced;
            // Followers parked on the leader learn the new high watermark now rather than at their max wait.
            CompleteParkedFetches(leader, now, all: true);
        }
    }

    private long PollCandidate(CandidateState candidate, long now)
    {
        if (candidate.BackoffUntilMs is { } backoffUntil)
        {
            if (now >= backoffUntil)
            {
                TransitionToProspective(now, candidate.Retries + 1);
                return 0;
            }
            return backoffUntil - now;
        }
        if (now >= candidate.ElectionDeadlineMs)
        {
            var backoff = BinaryExponentialElectionBackoffMs(candidate.Retries);
            candidate.BackoffUntilMs = now + backoff;
            return backoff;
        }
        SendVoteRequests(candidate.Granted, candidate.Rejected, preVote: false, now);
        return candidate.ElectionDeadlineMs - now;
    }

    private long PollProspective(ProspectiveState prospective, long now)
    {
        if (prospective.IsVoteRejected(_voters.Length) || now >= prospective.ElectionDeadlineMs)
        {
            ProspectiveTransitionAfterElectionLoss(prospective, now);
            return 0;
        }
        SendVoteRequests(prospective.Granted, prospective.Rejected, preVote: true, now);
        return prospective.ElectionDeadlineMs - now;
    }

    private long PollFollower(FollowerState follower, long now)
    {
        if (now >= follower.FetchDeadlineMs)
        {
            if (IsVoter)
            {
                TransitionToProspective(now, retries: 1);
            }
            else
            {
                // An observer that lost its leader forgets it and asks any voter who leads now.
                TransitionTo(new UnattachedState(follower.Epoch, follower.VotedId, follower.VotedDirectoryId, now + RandomElectionTimeoutMs()));
            }
            return 0;
        }
        if (_requests.CanSend(follower.LeaderId, now))
        {
            Send(follower.LeaderId, ApiKey.Fetch, RaftApiVersions.Fetch, BuildFetchRequest(), now);
        }
        return follower.FetchDeadlineMs - now;
    }

    private long PollUnattached(UnattachedState unattached, long now)
    {
        if (IsVoter)
        {
            if (now >= unattached.ElectionDeadlineMs)
            {
                TransitionToProspective(now, retries: 1);
                return 0;
            }
            return unattached.ElectionDeadlineMs - now;
        }
        // Observers find the leader by fetching from any voter: the answer names it.
        if (!_requests.HasAnyInflight)
        {
            var start = _random.Next(_voters.Length);
            for (var i = 0; i < _voters.Length; i++)
            {
                var voter = _voters[(start + i) % _voters.Length];
                if (_requests.CanSend(voter, now))
                {
                    Send(voter, ApiKey.Fetch, RaftApiVersions.Fetch, BuildFetchRequest(), now);
                    break;
                }
            }
        }
        return _options.RetryBackoffMs;
    }

    private long PollResigned(ResignedState resigned, long now)
    {
        if (now >= resigned.ElectionDeadlineMs)
        {
            if (IsVoter)
            {
                TransitionToProspective(now, retries: 1);
            }
            else
            {
                TransitionTo(new UnattachedState(resigned.Epoch + 1, -1, Guid.Empty, now + RandomElectionTimeoutMs()));
            }
            return 0;
        }
        foreach (var voter in resigned.UnackedVoters)
        {
            if (_requests.CanSend(voter, now))
            {
                Send(voter, ApiKey.EndQuorumEpoch, RaftApiVersions.EndQuorumEpoch, BuildEndQuorumEpochRequest(resigned), now);
            }
        }
        return resigned.ElectionDeadlineMs - now;
    }

    private void SendVoteRequests(IReadOnlySet<int> granted, IReadOnlySet<int> rejected, bool preVote, long now)
    {
        foreach (var voter in _voters)
        {
            if (voter != NodeId && !granted.Contains(voter) && !rejected.Contains(voter) && _requests.CanSend(voter, now))
            {
                Send(voter, ApiKey.Vote, RaftApiVersions.Vote, BuildVoteRequest(voter, preVote), now, preVote);
            }
        }
    }

    private void Send(int destination, ApiKey apiKey, short version, IKafkaMessage body, long now, bool preVote = false)
    {
        var correlationId = ++_nextCorrelationId;
        _requests.OnSent(destination, correlationId, apiKey, preVote, now);
        _network.Send(new RaftMessage(NodeId, destination, correlationId, false, apiKey, version, body));
    }

    private IEnumerable<int> OtherVoters()
    {
        foreach (var voter in _voters)
        {
            if (voter != NodeId)
            {
                yield return voter;
            }
        }
    }

    private long RandomElectionTimeoutMs() => _options.ElectionTimeoutMs + _random.Next(_options.ElectionTimeoutMs);

    private int BinaryExponentialElectionBackoffMs(int retries)
    {
        const int RetryBackoffBaseMs = 50;
        var bound = 2 << Math.Min(20, Math.Max(1, retries) - 1);
        return Math.Min(RetryBackoffBaseMs * _random.Next(bound), _options.ElectionBackoffMaxMs);
    }

    /// <summary>The backoff of the voter at <paramref name="position"/> of a resigning leader's preferred successors: the first goes at once.</summary>
    private int StrictExponentialElectionBackoffMs(int position, int count)
    {
        if (position == 0)
        {
            return 0;
        }
        if (position < 0 || position >= count)
        {
            return _options.ElectionBackoffMaxMs;
        }
        var baseMs = _options.ElectionBackoffMaxMs >> (count - 1);
        return Math.Min(_options.ElectionBackoffMaxMs, baseMs << (position - 1));
    }
}
