using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Protocol.Records;

namespace Weir.Raft;

public sealed partial class RaftNode
{
    private void TransitionTo(EpochState next)
    {
        var previous = _state;
        if (previous is not null && next.Epoch < previous.Epoch)
        {
            throw new InvalidOperationException($"node {NodeId}: epoch would go back from {previous} to {next}");
        }
        // Durable before anything else happens in the new state (Kafka's durableTransitionTo). Prospective
        // and Resigned change nothing a restart must know, as in Kafka's memoryTransitionTo.
        if (next is not ProspectiveState and not ResignedState)
        {
            var election = next.ToElectionState();
            if (election != _persisted)
            {
                _store.Write(election);
                _persisted = election;
            }
        }
        _state = next;
        _requests.ResetAll();
        if (previous is LeaderState && _parkedFetches.Count > 0)
        {
            var parked = _parkedFetches.ToArray();
            _parkedFetches.Clear();
            foreach (var fetch in parked)
            {
                Reply(fetch.Request, EmptyFetchResponse(ErrorCode.NotLeaderOrFollower));
            }
        }
    }

    private void TransitionToUnattached(int epoch, long now) =>
        TransitionTo(new UnattachedState(epoch, -1, Guid.Empty, now + RandomElectionTimeoutMs()));

    private void TransitionToUnattachedVoted(int epoch, int candidateId, Guid candidateDirectoryId, long now) =>
        TransitionTo(new UnattachedState(epoch, candidateId, candidateDirectoryId, now + RandomElectionTimeoutMs()));

    private void TransitionToFollower(int epoch, int leaderId, long now)
    {
        // The vote cast in this epoch stays on record: it must survive a restart as it did before.
        var sameEpoch = epoch == _state.Epoch;
        TransitionTo(new FollowerState(epoch, leaderId, sameEpoch ? _state.VotedId : -1, sameEpoch ? _state.VotedDirectoryId : Guid.Empty, now + _options.FetchTimeoutMs));
    }

    private void TransitionToProspective(long now, int retries)
    {
        var retainedLeader = _state is FollowerState follower ? follower.LeaderId : -1;
        var prospective = new ProspectiveState(_state.Epoch, NodeId, retainedLeader, _state.VotedId, _state.VotedDirectoryId, now + RandomElectionTimeoutMs(), retries, Majority);
        TransitionTo(prospective);
        if (prospective.IsVoteGranted)
        {
            TransitionToCandidate(now, retries);
        }
    }

    /// <summary>A lost pre-vote costs nothing: back to the leader it followed, or to waiting.</summary>
    private void ProspectiveTransitionAfterElectionLoss(ProspectiveState prospective, long now)
    {
        if (prospective.RetainedLeaderId >= 0)
        {
            TransitionTo(new FollowerState(prospective.Epoch, prospective.RetainedLeaderId, prospective.VotedId, prospective.VotedDirectoryId, now + _options.FetchTimeoutMs));
        }
        else
        {
            TransitionTo(new UnattachedState(prospective.Epoch, prospective.VotedId, prospective.VotedDirectoryId, now + RandomElectionTimeoutMs()));
        }
    }

    private void TransitionToCandidate(long now, int retries)
    {
        var candidate = new CandidateState(_state.Epoch + 1, NodeId, DirectoryId, now + RandomElectionTimeoutMs(), retries, Majority);
        TransitionTo(candidate);
        if (candidate.IsVoteGranted)
        {
            BecomeLeader(candidate, now);
        }
    }

    private void BecomeLeader(CandidateState candidate, long now)
    {
        var granting = new List<int>(candidate.Granted);
        granting.Sort();
        var leader = new LeaderState(candidate.Epoch, NodeId, DirectoryId, _voters, _log.EndOffset, granting, now, _options.CheckQuorumTimeoutMs);
        TransitionTo(leader);
        // The high watermark can only pass a record of the leader's own epoch, so one is written at once.
        _log.AppendAsLeader(BuildLeaderChangeBatch(leader, now), leader.Epoch);
    }

    private void TransitionToResigned(LeaderState leader)
    {
        var now = NowMs;
        TransitionTo(new ResignedState(leader.Epoch, NodeId, DirectoryId, now + RandomElectionTimeoutMs(), leader.NonLeaderVotersByDescendingFetchOffset(), OtherVoters()));
    }

    /// <summary>
    /// Moves to the epoch and leader a message reports, if they are news (Kafka's maybeTransition).
    /// Two different leaders in one epoch would break Raft's safety; that is a bug, not an input error.
    /// </summary>
    private void MaybeTransition(int leaderId, int epoch, long now)
    {
        if (epoch == _state.Epoch && leaderId >= 0 && KnownLeaderId >= 0 && leaderId != KnownLeaderId)
        {
            throw new InvalidOperationException($"node {NodeId}: leader {leaderId} in epoch {epoch} but this node knows leader {KnownLeaderId}");
        }
        if (epoch > _state.Epoch)
        {
            if (leaderId >= 0 && leaderId != NodeId)
            {
                TransitionToFollower(epoch, leaderId, now);
            }
            else
            {
                TransitionToUnattached(epoch, now);
            }
        }
        else if (leaderId >= 0 && leaderId != NodeId && KnownLeaderId < 0)
        {
            TransitionToFollower(epoch, leaderId, now);
        }
    }

    /// <summary>
    /// The leader of this epoch as far as this node knows, including the one a prospective voter left
    /// behind: hearing that leader named again (say, in a granted pre-vote from one of its other
    /// followers) is no news and must not send the prospective back to following it.
    /// </summary>
    private int KnownLeaderId => _state is ProspectiveState prospective ? prospective.RetainedLeaderId : _state.LeaderId;

    private static ReadOnlyMemory<byte> BuildDataBatch(IReadOnlyList<ReadOnlyMemory<byte>> values, int epoch, long now)
    {
        using var builder = new RecordBatchBuilder { PartitionLeaderEpoch = epoch };
        foreach (var value in values)
        {
            builder.Append(now, default, true, value.Span, false, default);
        }
        var output = new System.Buffers.ArrayBufferWriter<byte>(builder.UncompressedSizeInBytes);
        builder.Build(output);
        return output.WrittenMemory;
    }

    private ReadOnlyMemory<byte> BuildLeaderChangeBatch(LeaderState leader, long now)
    {
        var message = new LeaderChangeMessage { Version = 0, LeaderId = NodeId };
        foreach (var voter in _voters)
        {
            message.Voters.Add(new LeaderChangeMessage.Voter { VoterId = voter });
        }
        foreach (var voter in leader.GrantingVoters)
        {
            message.GrantingVoters.Add(new LeaderChangeMessage.Voter { VoterId = voter });
        }
        var value = new byte[message.ComputeSize(0)];
        var writer = new Weir.Protocol.Primitives.KafkaWriter(value);
        message.Write(ref writer, 0);
        Span<byte> key = stackalloc byte[ControlRecord.KeySize];
        ControlRecord.WriteKey(key, ControlRecordType.LeaderChange);
        using var builder = new RecordBatchBuilder { PartitionLeaderEpoch = leader.Epoch, IsControl = true };
        builder.Append(now, key, false, value, false, default);
        var output = new System.Buffers.ArrayBufferWriter<byte>(builder.UncompressedSizeInBytes);
        builder.Build(output);
        return output.WrittenMemory;
    }
}
