using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Raft.Tests;

/// <summary>Vote granting (KIP-595) and pre-vote (KIP-996) rules, one node at a time.</summary>
public sealed class VoteTests
{
    [Fact]
    public void A_voter_grants_an_up_to_date_candidate_and_persists_the_vote_before_answering()
    {
        var h = new NodeHarness(1, [1, 2, 3]);
        h.Vote(candidate: 2, epoch: 1, lastEpoch: 0, lastOffset: 0);

        var answer = h.LastVoteResponse(2);
        Assert.True(answer.VoteGranted);
        Assert.Equal(1, answer.LeaderEpoch);
        var persisted = h.Sent.Last(s => s.Message.Body is VoteResponse).PersistedWhenSent;
        Assert.Equal(new ElectionState(1, -1, 2, Guid.Empty), persisted);
        Assert.Equal(RaftRole.Unattached, h.Node.Role);
        Assert.Equal(2, h.Node.VotedId);
    }

    [Fact]
    public void A_voter_refuses_a_candidate_whose_log_is_behind_by_epoch_or_by_offset()
    {
        var h = new NodeHarness(1, [1, 2, 3], NodeHarness.LogWithEpochs(1, 1, 2));

        h.Vote(candidate: 2, epoch: 3, lastEpoch: 1, lastOffset: 10); // longer, but an older last epoch
        Assert.False(h.LastVoteResponse(2).VoteGranted);
        Assert.Equal(3, h.Node.Epoch); // a standard vote request moves the voter to its epoch all the same

        h.Vote(candidate: 3, epoch: 3, lastEpoch: 2, lastOffset: 2); // same last epoch, shorter
        Assert.False(h.LastVoteResponse(3).VoteGranted);

        h.Vote(candidate: 3, epoch: 3, lastEpoch: 2, lastOffset: 3);
        Assert.True(h.LastVoteResponse(3).VoteGranted);
    }

    [Fact]
    public void A_voter_grants_one_candidate_per_epoch_and_repeats_that_vote()
    {
        var h = new NodeHarness(1, [1, 2, 3]);
        h.Vote(candidate: 2, epoch: 1, lastEpoch: 0, lastOffset: 0);
        h.Vote(candidate: 3, epoch: 1, lastEpoch: 0, lastOffset: 5);
        Assert.False(h.LastVoteResponse(3).VoteGranted);
        h.Vote(candidate: 2, epoch: 1, lastEpoch: 0, lastOffset: 0);
        Assert.True(h.LastVoteResponse(2).VoteGranted);
    }

    [Fact]
    public void A_vote_survives_a_restart()
    {
        var first = new NodeHarness(1, [1, 2, 3]);
        first.Vote(candidate: 2, epoch: 4, lastEpoch: 0, lastOffset: 0);

        var restarted = new NodeHarness(1, [1, 2, 3], first.Log, first.Store, seed: 2);
        Assert.Equal(4, restarted.Node.Epoch);
        restarted.Vote(candidate: 3, epoch: 4, lastEpoch: 0, lastOffset: 0);
        Assert.False(restarted.LastVoteResponse(3).VoteGranted);
        restarted.Vote(candidate: 2, epoch: 4, lastEpoch: 0, lastOffset: 0);
        Assert.True(restarted.LastVoteResponse(2).VoteGranted);
    }

    [Fact]
    public void A_pre_vote_is_granted_without_bumping_the_epoch_or_writing_state()
    {
        var h = new NodeHarness(1, [1, 2, 3]);
        h.Vote(candidate: 2, epoch: 5, lastEpoch: 0, lastOffset: 0, preVote: true);

        Assert.True(h.LastVoteResponse(2).VoteGranted);
        Assert.Equal(0, h.Node.Epoch);
        Assert.Equal(-1, h.Node.VotedId);
        Assert.Equal(0, h.Store.Writes);
        // Nor does it use up the real vote: another candidate can still win it.
        h.Vote(candidate: 3, epoch: 1, lastEpoch: 0, lastOffset: 0);
        Assert.True(h.LastVoteResponse(3).VoteGranted);
    }

    [Fact]
    public void A_pre_vote_for_a_stale_log_is_refused()
    {
        var h = new NodeHarness(1, [1, 2, 3], NodeHarness.LogWithEpochs(1, 2));
        h.Vote(candidate: 2, epoch: 2, lastEpoch: 1, lastOffset: 1, preVote: true);
        Assert.False(h.LastVoteResponse(2).VoteGranted);
    }

    [Fact]
    public void A_follower_that_hears_its_leader_refuses_pre_votes()
    {
        var h = new NodeHarness(1, [1, 2, 3]);
        h.BeginQuorumEpoch(leader: 2, epoch: 1);
        Assert.Equal(RaftRole.Follower, h.Node.Role);

        // Before its first successful fetch it cannot tell the leader is alive.
        h.Vote(candidate: 3, epoch: 1, lastEpoch: 0, lastOffset: 0, preVote: true);
        Assert.True(h.LastVoteResponse(3).VoteGranted);

        h.Respond<FetchRequest>(2, NodeHarness.FetchAnswer(leader: 2, epoch: 1, highWatermark: -1));
        h.Vote(candidate: 3, epoch: 1, lastEpoch: 0, lastOffset: 0, preVote: true);
        Assert.False(h.LastVoteResponse(3).VoteGranted);
        Assert.Equal(2, h.LastVoteResponse(3).LeaderId);
    }

    [Fact]
    public void An_observer_never_votes()
    {
        var h = new NodeHarness(4, [1, 2, 3]);
        h.Vote(candidate: 2, epoch: 1, lastEpoch: 0, lastOffset: 0);

        var answer = h.LastVoteResponse(2);
        Assert.False(answer.VoteGranted);
        Assert.Equal((short)ErrorCode.InconsistentVoterSet, answer.ErrorCode);
        Assert.Equal(0, h.Node.Epoch);
        Assert.Equal(0, h.Store.Writes);
    }

    [Fact]
    public void A_timed_out_follower_asks_for_pre_votes_at_its_epoch_then_runs_at_the_next()
    {
        var h = new NodeHarness(1, [1, 2, 3]);
        h.BeginQuorumEpoch(leader: 2, epoch: 1);
        h.Advance(h.Options.FetchTimeoutMs);
        Assert.Equal(RaftRole.Prospective, h.Node.Role);
        Assert.Equal(1, h.Node.Epoch);
        h.Node.Poll();
        var preVote = h.LastSent<VoteRequest>(3).Topics[0].Partitions[0];
        Assert.True(PreVote.IsPreVote(preVote));
        Assert.Equal(1, preVote.CandidateEpoch);

        h.Respond<VoteRequest>(3, NodeHarness.VoteAnswer(epoch: 1, granted: true));
        Assert.Equal(RaftRole.Candidate, h.Node.Role);
        Assert.Equal(new ElectionState(2, -1, 1, Guid.Empty), h.Store.Read());
        var vote = h.LastSent<VoteRequest>(2).Topics[0].Partitions[0];
        Assert.False(PreVote.IsPreVote(vote));
        Assert.Equal(2, vote.CandidateEpoch);
    }

    [Fact]
    public void A_granted_pre_vote_that_names_the_old_leader_still_counts()
    {
        // Found by the simulation: the dead leader's other followers name it in their answers, and
        // treating that as news sent every prospective back to following a leader that was gone.
        var h = new NodeHarness(1, [1, 2, 3]);
        h.BeginQuorumEpoch(leader: 2, epoch: 1);
        h.Advance(h.Options.FetchTimeoutMs);
        h.Node.Poll();
        h.Respond<VoteRequest>(3, NodeHarness.VoteAnswer(epoch: 1, granted: true, leaderId: 2));
        Assert.Equal(RaftRole.Candidate, h.Node.Role);
        Assert.Equal(2, h.Node.Epoch);
    }

    [Fact]
    public void A_lost_pre_vote_goes_back_to_the_old_leader_without_an_epoch_change()
    {
        var h = new NodeHarness(1, [1, 2, 3]);
        h.BeginQuorumEpoch(leader: 2, epoch: 1);
        h.Advance(h.Options.FetchTimeoutMs);
        h.Node.Poll();
        h.Respond<VoteRequest>(2, NodeHarness.VoteAnswer(epoch: 1, granted: false));
        Assert.Equal(RaftRole.Prospective, h.Node.Role);
        h.Respond<VoteRequest>(3, NodeHarness.VoteAnswer(epoch: 1, granted: false));
        Assert.Equal(RaftRole.Follower, h.Node.Role);
        Assert.Equal(2, h.Node.LeaderId);
        Assert.Equal(1, h.Node.Epoch);
    }

    [Fact]
    public void The_pre_vote_flag_survives_the_wire_codec()
    {
        var partition = new VoteRequest.PartitionData { CandidateId = 2, CandidateEpoch = 3 };
        PreVote.Mark(partition);
        var request = new VoteRequest { Topics = [new VoteRequest.TopicData { TopicName = NodeHarness.Topic, Partitions = [partition] }] };
        var decoded = (VoteRequest)Simulation.MessageCodec.RoundTrip(new RaftMessage(2, 1, 7, false, ApiKey.Vote, RaftApiVersions.Vote, request)).Body;
        Assert.True(PreVote.IsPreVote(decoded.Topics[0].Partitions[0]));
        Assert.False(PreVote.IsPreVote(new VoteRequest.PartitionData()));
    }
}
