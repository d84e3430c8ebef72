using Weir.Protocol.Messages;

namespace Weir.Raft.Tests;

/// <summary>Replication on the follower side: appends, high watermark, divergence, EndQuorumEpoch.</summary>
public sealed class FollowerTests
{
    [Fact]
    public void A_follower_appends_what_it_fetches_and_learns_the_high_watermark()
    {
        var h = new NodeHarness(1, [1, 2, 3]);
        h.BeginQuorumEpoch(leader: 2, epoch: 1);
        var fetch = h.LastSent<FetchRequest>(2).Topics[0].Partitions[0];
        Assert.Equal(0, fetch.FetchOffset);
        Assert.Equal(1, fetch.CurrentLeaderEpoch);

        var records = NodeHarness.Batch(0, 1, "a").Concat(NodeHarness.Batch(1, 1, "b")).ToArray();
        h.Respond<FetchRequest>(2, NodeHarness.FetchAnswer(leader: 2, epoch: 1, highWatermark: 5, records: records));
        Assert.Equal(2, h.Log.EndOffset);
        Assert.Equal(2, h.Log.FlushedEndOffset); // a voter flushes before its next fetch reports the offset
        Assert.Equal(2, h.Node.HighWatermark); // capped at its own log end
        Assert.Equal(2, h.LastSent<FetchRequest>(2).Topics[0].Partitions[0].FetchOffset);
    }

    [Fact]
    public void A_follower_truncates_to_the_diverging_epochs_end()
    {
        var h = new NodeHarness(1, [1, 2, 3], NodeHarness.LogWithEpochs(1, 1, 1, 1, 1));
        h.BeginQuorumEpoch(leader: 2, epoch: 3);
        h.Respond<FetchRequest>(2, NodeHarness.FetchAnswer(leader: 2, epoch: 3, highWatermark: -1, diverging: (1, 2)));
        Assert.Equal(2, h.Log.EndOffset);
        Assert.Equal(2, h.LastSent<FetchRequest>(2).Topics[0].Partitions[0].FetchOffset);
    }

    [Fact]
    public void Truncating_below_the_high_watermark_is_refused_as_a_bug()
    {
        var h = new NodeHarness(1, [1, 2, 3], NodeHarness.LogWithEpochs(1, 1, 1, 1, 1));
        h.BeginQuorumEpoch(leader: 2, epoch: 3);
        h.Respond<FetchRequest>(2, NodeHarness.FetchAnswer(leader: 2, epoch: 3, highWatermark: 4));
        Assert.Equal(4, h.Node.HighWatermark);
        Assert.Throws<InvalidOperationException>(() =>
            h.Respond<FetchRequest>(2, NodeHarness.FetchAnswer(leader: 2, epoch: 3, highWatermark: -1, diverging: (1, 2))));
        Assert.Equal(5, h.Log.EndOffset);
    }

    [Fact]
    public void A_preferred_successor_starts_its_election_as_soon_as_the_leader_resigns()
    {
        var h = new NodeHarness(3, [1, 2, 3]);
        h.BeginQuorumEpoch(leader: 1, epoch: 2);
        h.Respond<FetchRequest>(1, NodeHarness.FetchAnswer(leader: 1, epoch: 2, highWatermark: -1));
        var partition = new EndQuorumEpochRequest.PartitionData { LeaderId = 1, LeaderEpoch = 2 };
        partition.PreferredCandidates.Add(new EndQuorumEpochRequest.ReplicaInfo { CandidateId = 3 });
        partition.PreferredCandidates.Add(new EndQuorumEpochRequest.ReplicaInfo { CandidateId = 2 });
        h.Request(1, Weir.Protocol.ApiKey.EndQuorumEpoch, 1, new EndQuorumEpochRequest
        {
            ClusterId = "test-cluster",
            Topics = [new EndQuorumEpochRequest.TopicData { TopicName = NodeHarness.Topic, Partitions = [partition] }],
        });
        Assert.Equal(RaftRole.Prospective, h.Node.Role);
        Assert.Equal(2, h.Node.Epoch);
    }

    [Fact]
    public void An_observer_finds_the_leader_through_any_voter_and_follows_it()
    {
        var h = new NodeHarness(4, [1, 2, 3]);
        h.Node.Poll();
        var asked = h.Sent.Last(s => s.Message.Body is FetchRequest).Message.Destination;
        var answer = NodeHarness.FetchAnswer(leader: 2, epoch: 5, highWatermark: -1);
        answer.Responses[0].Partitions[0].ErrorCode = (short)Weir.Protocol.ErrorCode.FencedLeaderEpoch;
        h.Respond<FetchRequest>(asked, answer);
        Assert.Equal(RaftRole.Follower, h.Node.Role);
        Assert.Equal(2, h.Node.LeaderId);
        Assert.Equal(5, h.Node.Epoch);
        Assert.False(h.Node.IsVoter);
    }
}
