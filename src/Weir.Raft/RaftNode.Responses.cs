using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Raft;

/// <summary>The outbound side: responses to this node's requests.</summary>
public sealed partial class RaftNode
{
    private void HandleResponse(RaftMessage message, long now)
    {
        if (!_requests.TryComplete(message.Source, message.CorrelationId, out var inflight))
        {
            return; // an answer to a request of an earlier state, or one that timed out
        }
        var handled = message.Body switch
        {
            VoteResponse vote => HandleVoteResponse(message.Source, vote, inflight.PreVote, now),
            BeginQuorumEpochResponse begin => HandleBeginQuorumEpochResponse(message.Source, begin, now),
            EndQuorumEpochResponse end => HandleEndQuorumEpochResponse(message.Source, end, now),
            FetchResponse fetch => HandleFetchResponse(message.Source, fetch, now),
            _ => false,
        };
        if (!handled)
        {
            _requests.OnFailed(message.Source, now);
        }
    }

    /// <summary>
    /// What every response says about epochs (Kafka's maybeHandleCommonResponse): a newer epoch or a
    /// leader this node did not know moves it on. Null means the caller should look at the response itself.
    /// </summary>
    private bool? MaybeHandleCommonResponse(ErrorCode error, int leaderId, int epoch, long now)
    {
        if (epoch < _state.Epoch || error == ErrorCode.UnknownLeaderEpoch)
        {
            return true; // this node is ahead; the response no longer matters
        }
        if (epoch > _state.Epoch || error is ErrorCode.FencedLeaderEpoch or ErrorCode.NotLeaderOrFollower)
        {
            MaybeTransition(leaderId, epoch, now);
            return true;
        }
        if (leaderId >= 0 && leaderId != NodeId && KnownLeaderId < 0)
        {
            TransitionToFollower(epoch, leaderId, now);
            return error == ErrorCode.None ? null : true;
        }
        if (error == ErrorCode.BrokerNotAvailable)
        {
            return false;
        }
        if (error == ErrorCode.InvalidRequest)
        {
            throw new InvalidOperationException($"node {NodeId}: a peer found this node's request invalid");
        }
        return null;
    }

    private bool HandleVoteResponse(int source, VoteResponse response, bool preVote, long now)
    {
        if (response.ErrorCode != 0 || response.Topics.Count != 1 || response.Topics[0].Partitions.Count != 1)
        {
            return false;
        }
        var partition = response.Topics[0].Partitions[0];
        var error = (ErrorCode)partition.ErrorCode;
        // A pre-vote does not move the voter to this epoch, so a granted one may come back from a lower epoch and still counts.
        var lowerEpochPreVote = preVote && error == ErrorCode.None && partition.LeaderEpoch < _state.Epoch;
        if (!lowerEpochPreVote && MaybeHandleCommonResponse(error, partition.LeaderId, partition.LeaderEpoch, now) is { } handled)
        {
            return handled;
        }
        if (error != ErrorCode.None)
        {
            return false;
        }
        if (preVote && _state is ProspectiveState prospective)
        {
            if (partition.VoteGranted)
            {
                prospective.RecordGranted(source);
                if (prospective.IsVoteGranted)
                {
                    TransitionToCandidate(now, prospective.Retries);
                }
            }
            else
            {
                prospective.RecordRejected(source);
                if (prospective.IsVoteRejected(_voters.Length))
                {
                    ProspectiveTransitionAfterElectionLoss(prospective, now);
                }
            }
        }
        else if (!preVote && _state is CandidateState candidate)
        {
            if (partition.VoteGranted)
            {
                candidate.RecordGranted(source);
                if (candidate.IsVoteGranted)
                {
                    BecomeLeader(candidate, now);
                }
            }
            else
            {
                candidate.RecordRejected(source);
                // Lost for sure: back off now rather than wait out the election timeout.
                if (candidate.IsVoteRejected(_voters.Length) && candidate.BackoffUntilMs is null)
                {
                    candidate.BackoffUntilMs = now + BinaryExponentialElectionBackoffMs(candidate.Retries);
                }
            }
        }
        return true;
    }

    private bool HandleBeginQuorumEpochResponse(int source, BeginQuorumEpochResponse response, long now)
    {
        if (response.ErrorCode != 0 || response.Topics.Count != 1 || response.Topics[0].Partitions.Count != 1)
        {
            return false;
        }
        var partition = response.Topics[0].Partitions[0];
        var error = (ErrorCode)partition.ErrorCode;
        if (MaybeHandleCommonResponse(error, partition.LeaderId, partition.LeaderEpoch, now) is { } handled)
        {
            return handled;
        }
        if (error != ErrorCode.None)
        {
            return false;
        }
        if (_state is LeaderState leader)
        {
            leader.UnackedBeginQuorumVoters.Remove(source);
        }
        return true;
    }

    private bool HandleEndQuorumEpochResponse(int source, EndQuorumEpochResponse response, long now)
    {
        if (response.ErrorCode != 0 || response.Topics.Count != 1 || response.Topics[0].Partitions.Count != 1)
        {
            return false;
        }
        var partition = response.Topics[0].Partitions[0];
        var error = (ErrorCode)partition.ErrorCode;
        if (MaybeHandleCommonResponse(error, partition.LeaderId, partition.LeaderEpoch, now) is { } handled)
        {
            return handled;
        }
        if (error != ErrorCode.None)
        {
            return false;
        }
        if (_state is ResignedState resigned)
        {
            resigned.UnackedVoters.Remove(source);
        }
        return true;
    }

    private bool HandleFetchResponse(int source, FetchResponse response, long now)
    {
        if (response.ErrorCode != 0 || response.Responses.Count != 1 || response.Responses[0].Partitions.Count != 1)
        {
            return false;
        }
        var partition = response.Responses[0].Partitions[0];
        var error = (ErrorCode)partition.ErrorCode;
        if (MaybeHandleCommonResponse(error, partition.CurrentLeader.LeaderId, partition.CurrentLeader.LeaderEpoch, now) is { } handled)
        {
            return handled;
        }
        if (_state is not FollowerState follower || follower.LeaderId != source)
        {
            return true;
        }
        if (error != ErrorCode.None)
        {
            return false;
        }
        if (partition.DivergingEpoch.Epoch >= 0)
        {
            TruncateToEndOffset(new OffsetAndEpoch(partition.DivergingEpoch.EndOffset, partition.DivergingEpoch.Epoch));
        }
        else if (partition.SnapshotId.Epoch >= 0 || partition.SnapshotId.EndOffset >= 0)
        {
            return false; // this node never asks for a snapshot it could not load (its log starts at 0)
        }
        else
        {
            var records = partition.Records ?? ReadOnlyMemory<byte>.Empty;
            if (!records.IsEmpty)
            {
                if (_log.AppendAsFollower(records) < 0)
                {
                    return false;
                }
                // A voter's fetch offset counts toward the high watermark, so it must be on disk before it is reported.
                if (IsVoter)
                {
                    _log.Flush();
                }
            }
            UpdateFollowerHighWatermark(partition.HighWatermark);
        }
        follower.FetchDeadlineMs = now + _options.FetchTimeoutMs;
        follower.HasFetchedFromLeader = true;
        return true;
    }

    private void UpdateFollowerHighWatermark(long leaderHighWatermark)
    {
        if (leaderHighWatermark < 0)
        {
            return; // the leader has not committed in its epoch yet
        }
        var updated = Math.Min(leaderHighWatermark, _log.EndOffset);
        if (updated < _highWatermark)
        {
            throw new InvalidOperationException($"node {NodeId}: high watermark would go back from {_highWatermark} to {updated}");
        }
        _highWatermark = updated;
    }

    /// <summary>Kafka's truncateToEndOffset: drop what the leader's log does not have, never anything committed.</summary>
    private void TruncateToEndOffset(OffsetAndEpoch divergingEnd)
    {
        if (divergingEnd.Offset < _highWatermark)
        {
            throw new InvalidOperationException($"node {NodeId}: leader asked to truncate to {divergingEnd}, below the high watermark {_highWatermark}");
        }
        long truncation;
        if (divergingEnd.Epoch == 0)
        {
            truncation = Math.Min(divergingEnd.Offset, _log.EndOffset);
        }
        else
        {
            var local = _log.EndOffsetForEpoch(divergingEnd.Epoch);
            truncation = local.Epoch == divergingEnd.Epoch ? Math.Min(local.Offset, divergingEnd.Offset) : local.Offset;
        }
        if (truncation < _highWatermark)
        {
            throw new InvalidOperationException($"node {NodeId}: truncation to {truncation} is below the high watermark {_highWatermark}");
        }
        _log.TruncateTo(truncation);
    }

    private VoteRequest BuildVoteRequest(int voter, bool preVote)
    {
        var partition = new VoteRequest.PartitionData
        {
            CandidateEpoch = _state.Epoch,
            CandidateId = NodeId,
            CandidateDirectoryId = DirectoryId,
            LastOffsetEpoch = _log.LastFetchedEpoch,
            LastOffset = _log.EndOffset,
        };
        if (preVote)
        {
            PreVote.Mark(partition);
        }
        return new VoteRequest
        {
            ClusterId = _options.ClusterId,
            VoterId = voter,
            Topics = [new VoteRequest.TopicData { TopicName = _options.TopicName, Partitions = [partition] }],
        };
    }

    private BeginQuorumEpochRequest BuildBeginQuorumEpochRequest(int voter) => new()
    {
        ClusterId = _options.ClusterId,
        VoterId = voter,
        Topics =
        [
            new BeginQuorumEpochRequest.TopicData
            {
                TopicName = _options.TopicName,
                Partitions = [new BeginQuorumEpochRequest.PartitionData { LeaderId = NodeId, LeaderEpoch = _state.Epoch }],
            },
        ],
    };

    private EndQuorumEpochRequest BuildEndQuorumEpochRequest(ResignedState resigned)
    {
        var partition = new EndQuorumEpochRequest.PartitionData { LeaderId = NodeId, LeaderEpoch = resigned.Epoch };
        foreach (var successor in resigned.PreferredSuccessors)
        {
            partition.PreferredCandidates.Add(new EndQuorumEpochRequest.ReplicaInfo { CandidateId = successor });
        }
        return new EndQuorumEpochRequest
        {
            ClusterId = _options.ClusterId,
            Topics = [new EndQuorumEpochRequest.TopicData { TopicName = _options.TopicName, Partitions = [partition] }],
        };
    }

    private FetchRequest BuildFetchRequest() => new()
    {
        ClusterId = _options.ClusterId,
        ReplicaState = new FetchRequest.ReplicaStateData { ReplicaId = NodeId, ReplicaEpoch = -1 },
        MaxWaitMs = _options.FetchMaxWaitMs,
        MinBytes = 0,
        MaxBytes = 8 * PartitionMaxBytes,
        Topics =
        [
            new FetchRequest.FetchTopic
            {
                Topic = _options.TopicName,
                TopicId = _options.TopicId,
                Partitions =
                [
                    new FetchRequest.FetchPartition
                    {
                        CurrentLeaderEpoch = _state.Epoch,
                        FetchOffset = _log.EndOffset,
                        LastFetchedEpoch = _log.LastFetchedEpoch,
                        PartitionMaxBytes = PartitionMaxBytes,
                        ReplicaDirectoryId = DirectoryId,
                    },
                ],
            },
        ],
    };
}
