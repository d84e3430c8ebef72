using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Raft;

/// <summary>The inbound side: requests from other nodes, answered at once or (Fetch) parked until data arrives.</summary>
public sealed partial class RaftNode
{
    private const int PartitionMaxBytes = 1024 * 1024;

    private readonly record struct ParkedFetch(RaftMessage Request, int ReplicaId, FetchRequest.FetchPartition Partition, long DeadlineMs);

    /// <summary>
    /// Takes one message the network delivered to this node: a request is answered through the network
    /// (Fetch may be parked until data arrives or its max wait passes), a response moves the state on.
    /// Call <see cref="Poll"/> afterwards so follow-up requests go out without waiting.
    /// </summary>
    public void Handle(RaftMessage message)
    {
        if (message.Destination != NodeId)
        {
            return;
        }
        var now = NowMs;
        if (message.IsResponse)
        {
            HandleResponse(message, now);
            return;
        }
        IKafkaMessage? response = message.Body switch
        {
            VoteRequest vote => HandleVoteRequest(vote, now),
            BeginQuorumEpochRequest begin => HandleBeginQuorumEpochRequest(begin, now),
            EndQuorumEpochRequest end => HandleEndQuorumEpochRequest(end, message.Version, now),
            FetchRequest fetch => HandleFetchRequest(message, fetch, now),
            FetchSnapshotRequest snapshot => HandleFetchSnapshotRequest(snapshot),
            _ => null,
        };
        if (response is not null)
        {
            Reply(message, response);
        }
    }

    private void Reply(RaftMessage request, IKafkaMessage body) =>
        _network.Send(new RaftMessage(NodeId, request.Source, request.CorrelationId, true, request.ApiKey, request.Version, body));

    private bool ValidClusterId(string? clusterId) => clusterId is null || _options.ClusterId is null || clusterId == _options.ClusterId;

    private bool ValidPartition(string topic, int partitionCount, int partitionIndex) =>
        topic == _options.TopicName && partitionCount == 1 && partitionIndex == 0;

    private VoteResponse HandleVoteRequest(VoteRequest request, long now)
    {
        if (!ValidClusterId(request.ClusterId))
        {
            return new VoteResponse { ErrorCode = (short)ErrorCode.InconsistentClusterId };
        }
        if (request.Topics.Count != 1 || request.Topics[0].Partitions.Count == 0
            || !ValidPartition(request.Topics[0].TopicName, request.Topics[0].Partitions.Count, request.Topics[0].Partitions[0].PartitionIndex))
        {
            return new VoteResponse { ErrorCode = (short)ErrorCode.InvalidRequest };
        }
        var partition = request.Topics[0].Partitions[0];
        var preVote = PreVote.IsPreVote(partition);
        var candidateId = partition.CandidateId;
        var candidateEpoch = partition.CandidateEpoch;
        // A candidate has bumped its epoch past its log's; a prospective has not.
        if (partition.LastOffset < 0 || partition.LastOffsetEpoch < 0
            || (preVote ? partition.LastOffsetEpoch > candidateEpoch : partition.LastOffsetEpoch >= candidateEpoch))
        {
            return VoteResponseOf(ErrorCode.InvalidRequest, false);
        }
        if (candidateEpoch < _state.Epoch)
        {
            return VoteResponseOf(ErrorCode.FencedLeaderEpoch, false);
        }
        if (!_voterSet.Contains(candidateId) || !IsVoter)
        {
            // Observers never vote, and only voters may be elected.
            return VoteResponseOf(ErrorCode.InconsistentVoterSet, false);
        }
        if (!preVote && candidateEpoch > _state.Epoch)
        {
            TransitionToUnattached(candidateEpoch, now);
        }
        var candidateEnd = new OffsetAndEpoch(partition.LastOffset, partition.LastOffsetEpoch);
        var isLogUpToDate = candidateEnd >= new OffsetAndEpoch(_log.EndOffset, _log.LastFetchedEpoch);
        var granted = _state.CanGrantVote(candidateId, isLogUpToDate, preVote);
        if (granted && !preVote && _state.VotedId < 0 && _state is UnattachedState or ProspectiveState)
        {
            // Written before the response leaves: a restarted voter must not vote again in this epoch.
            TransitionToUnattachedVoted(candidateEpoch, candidateId, partition.CandidateDirectoryId, now);
        }
        return VoteResponseOf(ErrorCode.None, granted);
    }

    private VoteResponse VoteResponseOf(ErrorCode error, bool granted) => new()
    {
        Topics =
        [
            new VoteResponse.TopicData
            {
                TopicName = _options.TopicName,
                Partitions =
                [
                    new VoteResponse.PartitionData
                    {
                        ErrorCode = (short)error,
                        LeaderId = _state.LeaderId,
                        LeaderEpoch = _state.Epoch,
                        VoteGranted = granted,
                    },
                ],
            },
        ],
    };

    private BeginQuorumEpochResponse HandleBeginQuorumEpochRequest(BeginQuorumEpochRequest request, long now)
    {
        if (!ValidClusterId(request.ClusterId))
        {
            return new BeginQuorumEpochResponse { ErrorCode = (short)ErrorCode.InconsistentClusterId };
        }
        if (request.Topics.Count != 1 || request.Topics[0].Partitions.Count == 0
            || !ValidPartition(request.Topics[0].TopicName, request.Topics[0].Partitions.Count, request.Topics[0].Partitions[0].PartitionIndex))
        {
            return new BeginQuorumEpochResponse { ErrorCode = (short)ErrorCode.InvalidRequest };
        }
        var partition = request.Topics[0].Partitions[0];
        var error = ValidateVoterOnlyRequest(partition.LeaderId, partition.LeaderEpoch);
        if (error == ErrorCode.None)
        {
            MaybeTransition(partition.LeaderId, partition.LeaderEpoch, now);
        }
        return new BeginQuorumEpochResponse
        {
            Topics =
            [
                new BeginQuorumEpochResponse.TopicData
                {
                    TopicName = _options.TopicName,
                    Partitions = [new BeginQuorumEpochResponse.PartitionData { ErrorCode = (short)error, LeaderId = _state.LeaderId, LeaderEpoch = _state.Epoch }],
                },
            ],
        };
    }

    private EndQuorumEpochResponse HandleEndQuorumEpochRequest(EndQuorumEpochRequest request, short version, long now)
    {
        if (!ValidClusterId(request.ClusterId))
        {
            return new EndQuorumEpochResponse { ErrorCode = (short)ErrorCode.InconsistentClusterId };
        }
        if (request.Topics.Count != 1 || request.Topics[0].Partitions.Count == 0
            || !ValidPartition(request.Topics[0].TopicName, request.Topics[0].Partitions.Count, request.Topics[0].Partitions[0].PartitionIndex))
        {
            return new EndQuorumEpochResponse { ErrorCode = (short)ErrorCode.InvalidRequest };
        }
        var partition = request.Topics[0].Partitions[0];
        var error = ValidateVoterOnlyRequest(partition.LeaderId, partition.LeaderEpoch);
        if (error == ErrorCode.None)
        {
            MaybeTransition(partition.LeaderId, partition.LeaderEpoch, now);
            if (_state is FollowerState follower && follower.LeaderId == partition.LeaderId && follower.Epoch == partition.LeaderEpoch)
            {
                // The leader is leaving: its preferred successors go first, each later one waits longer.
                var position = -1;
                var count = version >= 1 ? partition.PreferredCandidates.Count : partition.PreferredSuccessors.Count;
                for (var i = 0; i < count; i++)
                {
                    var id = version >= 1 ? partition.PreferredCandidates[i].CandidateId : partition.PreferredSuccessors[i];
                    if (id == NodeId)
                    {
                        position = i;
                        break;
                    }
                }
                follower.FetchDeadlineMs = Math.Min(follower.FetchDeadlineMs, now + StrictExponentialElectionBackoffMs(position, count));
                // It no longer counts as hearing from a live leader, so it grants the successors' pre-votes.
                follower.HasFetchedFromLeader = false;
            }
        }
        return new EndQuorumEpochResponse
        {
            Topics =
            [
                new EndQuorumEpochResponse.TopicData
                {
                    TopicName = _options.TopicName,
                    Partitions = [new EndQuorumEpochResponse.PartitionData { ErrorCode = (short)error, LeaderId = _state.LeaderId, LeaderEpoch = _state.Epoch }],
                },
            ],
        };
    }

    private ErrorCode ValidateVoterOnlyRequest(int remoteId, int remoteEpoch)
    {
        if (remoteEpoch < _state.Epoch)
        {
            return ErrorCode.FencedLeaderEpoch;
        }
        if (remoteId < 0)
        {
            return ErrorCode.InvalidRequest;
        }
        return _voterSet.Contains(remoteId) ? ErrorCode.None : ErrorCode.InconsistentVoterSet;
    }

    private ErrorCode ValidateLeaderOnlyRequest(int epoch)
    {
        if (epoch < _state.Epoch)
        {
            return ErrorCode.FencedLeaderEpoch;
        }
        if (epoch > _state.Epoch)
        {
            return ErrorCode.UnknownLeaderEpoch;
        }
        return _state is LeaderState ? ErrorCode.None : ErrorCode.NotLeaderOrFollower;
    }

    private FetchResponse? HandleFetchRequest(RaftMessage message, FetchRequest request, long now)
    {
        if (!ValidClusterId(request.ClusterId))
        {
            return new FetchResponse { ErrorCode = (short)ErrorCode.InconsistentClusterId };
        }
        if (request.Topics.Count != 1 || request.Topics[0].Partitions.Count != 1 || request.Topics[0].Partitions[0].Partition != 0
            || (message.Version >= 13 ? request.Topics[0].TopicId != _options.TopicId : request.Topics[0].Topic != _options.TopicName))
        {
            return new FetchResponse { ErrorCode = (short)ErrorCode.InvalidRequest };
        }
        var partition = request.Topics[0].Partitions[0];
        if (request.MaxWaitMs < 0 || partition.FetchOffset < 0 || partition.LastFetchedEpoch < 0
            || partition.LastFetchedEpoch > partition.CurrentLeaderEpoch)
        {
            return EmptyFetchResponse(ErrorCode.InvalidRequest);
        }
        var replicaId = message.Version >= 15 ? request.ReplicaState.ReplicaId : request.ReplicaId;
        var response = TryCompleteFetch(replicaId, partition, now, out var canPark);
        if (!canPark || request.MaxWaitMs == 0)
        {
            return response;
        }
        // Nothing new: hold the fetch until the leader's log grows, its high watermark moves or the wait ends.
        _parkedFetches.Add(new ParkedFetch(message, replicaId, partition, now + request.MaxWaitMs));
        return null;
    }

    private FetchResponse TryCompleteFetch(int replicaId, FetchRequest.FetchPartition partition, long now, out bool canPark)
    {
        canPark = false;
        var error = ValidateLeaderOnlyRequest(partition.CurrentLeaderEpoch);
        if (error != ErrorCode.None)
        {
            return EmptyFetchResponse(error);
        }
        var leader = (LeaderState)_state;
        var isVoter = _voterSet.Contains(replicaId);
        if (isVoter && replicaId != NodeId)
        {
            leader.NoteVoterContact(replicaId, now);
        }
        var diverging = ValidateOffsetAndEpoch(partition.FetchOffset, partition.LastFetchedEpoch);
        var records = ReadOnlyMemory<byte>.Empty;
        if (diverging is null)
        {
            leader.UpdateReplica(replicaId, partition.FetchOffset, _log.EndOffset, now);
            if (isVoter)
            {
                MaybeAdvanceLeaderHighWatermark(leader, now);
            }
            if (partition.FetchOffset < _log.EndOffset)
            {
                records = _log.Read(partition.FetchOffset, partition.PartitionMaxBytes > 0 ? partition.PartitionMaxBytes : PartitionMaxBytes);
            }
            canPark = records.IsEmpty;
        }
        var response = EmptyFetchResponse(ErrorCode.None);
        var data = response.Responses[0].Partitions[0];
        data.HighWatermark = leader.HasCommittedInEpoch ? _highWatermark : -1;
        data.Records = records;
        if (diverging is { } divergingEnd)
        {
            data.DivergingEpoch.Epoch = divergingEnd.Epoch;
            data.DivergingEpoch.EndOffset = divergingEnd.Offset;
        }
        return response;
    }

    /// <summary>Null when the follower's log agrees with this one up to its fetch offset; else where they part.</summary>
    private OffsetAndEpoch? ValidateOffsetAndEpoch(long fetchOffset, int lastFetchedEpoch)
    {
        if (fetchOffset == 0 && _log.StartOffset == 0)
        {
            return null;
        }
        var end = _log.EndOffsetForEpoch(lastFetchedEpoch);
        return end.Epoch != lastFetchedEpoch || end.Offset < fetchOffset ? end : null;
    }

    private void CompleteParkedFetches(LeaderState leader, long now, bool all)
    {
        if (_parkedFetches.Count == 0)
        {
            return;
        }
        List<ParkedFetch>? ready = null;
        for (var i = _parkedFetches.Count - 1; i >= 0; i--)
        {
            var parked = _parkedFetches[i];
            if (all || parked.DeadlineMs <= now || parked.Partition.FetchOffset < _log.EndOffset)
            {
                (ready ??= []).Add(parked);
                _parkedFetches.RemoveAt(i);
            }
        }
        if (ready is null)
        {
            return;
        }
        foreach (var parked in ready)
        {
            if (_state != leader)
            {
                break; // completing one made this node step down; TransitionTo answered the rest
            }
            Reply(parked.Request, TryCompleteFetch(parked.ReplicaId, parked.Partition, now, out _));
        }
    }

    private FetchResponse EmptyFetchResponse(ErrorCode error) => new()
    {
        Responses =
        [
            new FetchResponse.FetchableTopicResponse
            {
                Topic = _options.TopicName,
                TopicId = _options.TopicId,
                Partitions =
                [
                    new FetchResponse.PartitionData
                    {
                        ErrorCode = (short)error,
                        HighWatermark = -1,
                        LogStartOffset = _log.StartOffset,
                        CurrentLeader = new FetchResponse.LeaderIdAndEpoch { LeaderId = _state.LeaderId, LeaderEpoch = _state.Epoch },
                        Records = ReadOnlyMemory<byte>.Empty,
                    },
                ],
            },
        ],
    };

    /// <summary>Snapshots are not produced yet, so no fetch is ever told to load one; a request for one finds none.</summary>
    private FetchSnapshotResponse HandleFetchSnapshotRequest(FetchSnapshotRequest request)
    {
        if (!ValidClusterId(request.ClusterId))
        {
            return new FetchSnapshotResponse { ErrorCode = (short)ErrorCode.InconsistentClusterId };
        }
        var error = _state is LeaderState ? ErrorCode.SnapshotNotFound : ErrorCode.NotLeaderOrFollower;
        return new FetchSnapshotResponse
        {
            Topics =
            [
                new FetchSnapshotResponse.TopicSnapshot
                {
                    Name = _options.TopicName,
                    Partitions =
                    [
                        new FetchSnapshotResponse.PartitionSnapshot
                        {
                            ErrorCode = (short)error,
                            CurrentLeader = new FetchSnapshotResponse.LeaderIdAndEpoch { LeaderId = _state.LeaderId, LeaderEpoch = _state.Epoch },
                        },
                    ],
                },
            ],
        };
    }
}
