using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Protocol.Records;

namespace Weir.Raft.Tests;

/// <summary>Leader election results, the high watermark rule, check-quorum and resignation.</summary>
public sealed class LeaderTests
{
    [Fact]
    public void A_single_voter_elects_itself_and_commits_its_leader_change_record()
    {
        var h = new NodeHarness(1, [1]);
        h.Advance((2 * h.Options.ElectionTimeoutMs) + 1);
        Assert.Equal(RaftRole.Leader, h.Node.Role);
        Assert.Equal(1, h.Node.Epoch);
        h.Node.Poll();
        Assert.Equal(1, h.Node.HighWatermark);
        var control = new RecordBatchHeader(h.Log.Batches[0].Bytes);
        Assert.True(control.IsControl);
        Assert.Equal(1, control.PartitionLeaderEpoch);

        var append = h.Node.Append([new byte[] { 42 }]);
        Assert.Equal(ErrorCode.None, append.Error);
        Assert.Equal(1, append.BaseOffset);
        Assert.Equal(1, h.Node.HighWatermark); // not flushed yet
        h.Node.Poll();
        Assert.Equal(2, h.Node.HighWatermark);

        // Check-quorum never unseats a leader that is the whole voter set.
        h.Advance(10 * h.Options.FetchTimeoutMs);
        Assert.Equal(RaftRole.Leader, h.Node.Role);
        Assert.Equal(1, h.Node.Epoch);
    }

    [Fact]
    public void Only_a_leader_appends()
    {
        var h = new NodeHarness(1, [1, 2, 3]);
        Assert.Equal(ErrorCode.NotLeaderOrFollower, h.Node.Append([new byte[] { 1 }]).Error);
    }

    [Fact]
    public void The_high_watermark_waits_for_a_record_of_the_leaders_epoch()
    {
        // Node 1 holds three records of epoch 1, replicated to node 2 already; it leads epoch 2.
        var h = new NodeHarness(1, [1, 2, 3], NodeHarness.LogWithEpochs(1, 1, 1));
        h.ElectLeader();
        Assert.Equal(2, h.Node.Epoch);
        Assert.Equal(4, h.Log.EndOffset); // the leader change record at offset 3

        h.Fetch(replica: 2, epoch: 2, fetchOffset: 3, lastFetchedEpoch: 1);
        Assert.Equal(0, h.Node.HighWatermark); // offsets 0-2 are on a majority, but none is of epoch 2
        Assert.Equal(-1, h.LastFetchResponse(2).HighWatermark);

        h.Fetch(replica: 2, epoch: 2, fetchOffset: 4, lastFetchedEpoch: 2);
        Assert.Equal(4, h.Node.HighWatermark);
        Assert.Equal(4, h.LastFetchResponse(2).HighWatermark);
    }

    [Fact]
    public void A_fetch_from_an_older_epoch_is_fenced_and_told_the_leader()
    {
        var h = new NodeHarness(1, [1, 2, 3]);
        h.ElectLeader();
        h.Fetch(replica: 3, epoch: h.Node.Epoch - 1, fetchOffset: 0, lastFetchedEpoch: 0);
        var answer = h.LastFetchResponse(3);
        Assert.Equal((short)ErrorCode.FencedLeaderEpoch, answer.ErrorCode);
        Assert.Equal(1, answer.CurrentLeader.LeaderId);
        Assert.Equal(h.Node.Epoch, answer.CurrentLeader.LeaderEpoch);
    }

    [Fact]
    public void A_diverging_follower_is_told_where_the_logs_part()
    {
        var h = new NodeHarness(1, [1, 2, 3], NodeHarness.LogWithEpochs(1, 1, 3));
        h.ElectLeader(); // epoch 4; the log's epochs: 1 at 0-1, 3 at 2, 4 at 3
        h.Fetch(replica: 2, epoch: h.Node.Epoch, fetchOffset: 5, lastFetchedEpoch: 2);
        var answer = h.LastFetchResponse(2);
        Assert.Equal(1, answer.DivergingEpoch.Epoch);
        Assert.Equal(2, answer.DivergingEpoch.EndOffset);
        Assert.True(answer.Records is null || answer.Records.Value.IsEmpty);
    }

    [Fact]
    public void A_leader_that_hears_no_majority_within_the_check_quorum_timeout_resigns()
    {
        var h = new NodeHarness(1, [1, 2, 3]);
        h.ElectLeader();
        // Fetches from one other voter (a majority with the leader) keep it leading past the timeout.
        for (var i = 0; i < 4; i++)
        {
            h.Advance(1000);
            h.Fetch(replica: 2, epoch: h.Node.Epoch, fetchOffset: 1, lastFetchedEpoch: h.Node.Epoch);
        }
        Assert.Equal(RaftRole.Leader, h.Node.Role);

        h.Advance(h.Options.FetchTimeoutMs * 3 / 2);
        Assert.Equal(RaftRole.Resigned, h.Node.Role);
        h.Node.Poll();
        var end = h.LastSent<EndQuorumEpochRequest>(3).Topics[0].Partitions[0];
        Assert.Equal(1, end.LeaderId);
        Assert.Equal([2, 3], end.PreferredCandidates.Select(c => c.CandidateId));
        Assert.NotNull(h.LastSent<EndQuorumEpochRequest>(2));
    }

    [Fact]
    public void A_restarted_leader_comes_back_resigned_in_its_epoch()
    {
        var first = new NodeHarness(1, [1, 2, 3]);
        first.ElectLeader();
        var restarted = new NodeHarness(1, [1, 2, 3], first.Log, first.Store, seed: 3);
        Assert.Equal(RaftRole.Resigned, restarted.Node.Role);
        Assert.Equal(first.Node.Epoch, restarted.Node.Epoch);
        Assert.Equal(0, restarted.Node.HighWatermark);
    }

    [Fact]
    public void Describe_reports_voters_and_observers_as_the_leader_sees_them()
    {
        var h = new NodeHarness(1, [1, 2, 3]);
        Assert.Null(h.Node.Describe());
        h.ElectLeader();
        h.Fetch(replica: 2, epoch: h.Node.Epoch, fetchOffset: 1, lastFetchedEpoch: h.Node.Epoch);
        h.Fetch(replica: 7, epoch: h.Node.Epoch, fetchOffset: 0, lastFetchedEpoch: 0);

        var info = h.Node.Describe()!;
        Assert.Equal(1, info.LeaderId);
        Assert.Equal(h.Node.Epoch, info.LeaderEpoch);
        Assert.Equal(1, info.HighWatermark);
        Assert.Equal([1, 2, 3], info.Voters.Select(v => v.ReplicaId));
        Assert.Equal([1, 1, -1], info.Voters.Select(v => v.LogEndOffset));
        var now = h.Time.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.Equal(now, info.Voters[1].LastCaughtUpTimestamp);
        Assert.Equal(7, Assert.Single(info.Observers).ReplicaId);
        Assert.Equal(0, info.Observers[0].LogEndOffset);
    }

    [Fact]
    public void A_parked_fetch_is_answered_when_the_leader_appends()
    {
        var h = new NodeHarness(1, [1, 2, 3]);
        h.ElectLeader();
        var before = h.Sent.Count(s => s.Message.Body is FetchResponse);
        h.Fetch(replica: 2, epoch: h.Node.Epoch, fetchOffset: 1, lastFetchedEpoch: h.Node.Epoch, maxWaitMs: 500);
        Assert.Equal(before, h.Sent.Count(s => s.Message.Body is FetchResponse));

        h.Node.Append([new byte[] { 9 }]);
        h.Node.Poll();
        var answer = h.LastFetchResponse(2);
        Assert.False(answer.Records!.Value.IsEmpty);
    }
}
