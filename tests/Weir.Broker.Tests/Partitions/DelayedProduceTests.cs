using Weir.Broker.Partitions;
using Weir.Protocol;

namespace Weir.Broker.Tests.Partitions;

/// <summary>acks=-1: the produce purgatory, woken by high watermark, ISR and leadership changes, or expired by its timeout.</summary>
public sealed class DelayedProduceTests
{
    private const int Follower = 2;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void A_produce_waits_until_the_follower_fetch_commits_its_batch()
    {
        using var f = new PartitionFixture(minInSyncReplicas: 2);
        f.Partition.MakeLeader(0, 0, [1, 2], [1, 2]);
        var outcome = f.Append(3);
        Assert.False(f.Partition.CheckEnoughReplicasReachOffset(outcome.LastOffset + 1, out _));

        using var delayed = new DelayedProduce(f.Time, Timeout);
        delayed.Add(f.Partition, outcome.LastOffset + 1);
        delayed.Start();
        Assert.False(delayed.Completion.IsCompleted);
        Assert.Equal(1, f.Time.ActiveTimers);

        // A fetch short of the batch's end does not complete it.
        f.Partition.UpdateFollowerFetchState(Follower, 2, 0, 1);
        Assert.False(delayed.Completion.IsCompleted);

        f.Partition.UpdateFollowerFetchState(Follower, 3, 0, 2);
        Assert.True(delayed.Completion.IsCompletedSuccessfully);
        Assert.Equal(ErrorCode.None, delayed.ErrorOf(0));
        Assert.Equal(0, f.Time.ActiveTimers); // its timer went with it
    }

    [Fact]
    public void A_follower_read_wakes_the_produce_as_its_fetch_would()
    {
        using var f = new PartitionFixture();
        f.Partition.MakeLeader(0, 0, [1, 2], [1, 2]);
        var outcome = f.Append(2);
        using var delayed = new DelayedProduce(f.Time, Timeout);
        delayed.Add(f.Partition, outcome.LastOffset + 1);
        delayed.Start();

        f.Partition.Read(FetchParams.ForFollower(Follower, 2, 1 << 20, true, 0, 1, 0));
        Assert.True(delayed.Completion.IsCompletedSuccessfully);
        Assert.Equal(ErrorCode.None, delayed.ErrorOf(0));
    }

    [Fact]
    public void An_undecided_partition_times_out_while_a_replicated_one_keeps_its_success()
    {
        using var a = new PartitionFixture();
        using var b = new PartitionFixture();
        a.Partition.MakeLeader(0, 0, [1, 2], [1, 2]);
        b.Partition.MakeLeader(0, 0, [1, 2], [1, 2]);
        var first = a.Append(1);
        var second = b.Append(1);
        using var delayed = new DelayedProduce(a.Time, Timeout);
        delayed.Add(a.Partition, first.LastOffset + 1);
        delayed.Add(b.Partition, second.LastOffset + 1);
        delayed.Start();

        a.Partition.UpdateFollowerFetchState(Follower, 1, 0, 1);
        Assert.False(delayed.Completion.IsCompleted);
        a.Time.Advance(Timeout - TimeSpan.FromMilliseconds(1));
        Assert.False(delayed.Completion.IsCompleted);
        a.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(delayed.Completion.IsCompletedSuccessfully);
        Assert.Equal(ErrorCode.None, delayed.ErrorOf(0));
        Assert.Equal(ErrorCode.RequestTimedOut, delayed.ErrorOf(1));

        // Done: later progress changes nothing.
        b.Partition.UpdateFollowerFetchState(Follower, 1, 0, 2);
        Assert.Equal(ErrorCode.RequestTimedOut, delayed.ErrorOf(1));
    }

    [Fact]
    public void An_isr_shrinking_below_min_insync_replicas_completes_the_wait_with_not_enough_replicas_after_append()
    {
        using var f = new PartitionFixture(minInSyncReplicas: 2);
        f.Partition.MakeLeader(0, 0, [1, 2], [1, 2]);
        var outcome = f.Append(2);
        using var delayed = new DelayedProduce(f.Time, Timeout);
        delayed.Add(f.Partition, outcome.LastOffset + 1);
        delayed.Start();

        // The controller dropped the follower: the leader alone commits, but the ISR is below the minimum.
        f.Partition.MakeLeader(0, 1, [1, 2], [1]);
        Assert.True(delayed.Completion.IsCompletedSuccessfully);
        Assert.Equal(ErrorCode.NotEnoughReplicasAfterAppend, delayed.ErrorOf(0));

        // Now the ISR is too small to take an acks=-1 append at all; acks=1 still appends.
        var refused = f.Partition.AppendAsLeader(TestBatches.Build(1), -1, f.Time);
        Assert.Equal(ErrorCode.NotEnoughReplicas, refused.Error);
        Assert.Equal(2, f.Partition.LogEndOffset);
        Assert.Equal(ErrorCode.None, f.Partition.AppendAsLeader(TestBatches.Build(1), 1, f.Time).Error);
    }

    [Fact]
    public void Losing_leadership_fails_the_wait_with_not_leader_or_follower()
    {
        using var f = new PartitionFixture();
        f.Partition.MakeLeader(0, 0, [1, 2], [1, 2]);
        var outcome = f.Append(2);
        using var delayed = new DelayedProduce(f.Time, Timeout);
        delayed.Add(f.Partition, outcome.LastOffset + 1);
        delayed.Start();

        f.Partition.MakeFollower(Follower, 1, 1, [1, 2], [1, 2]);
        Assert.True(delayed.Completion.IsCompletedSuccessfully);
        Assert.Equal(ErrorCode.NotLeaderOrFollower, delayed.ErrorOf(0));
    }

    [Fact]
    public void A_wait_already_satisfied_completes_at_start_without_a_timer()
    {
        using var f = new PartitionFixture();
        f.Partition.MakeLeader(0, 0, [1], [1]);
        var outcome = f.Append(2);
        using var delayed = new DelayedProduce(f.Time, Timeout);
        delayed.Add(f.Partition, outcome.LastOffset + 1);
        delayed.Start();
        Assert.True(delayed.Completion.IsCompletedSuccessfully);
        Assert.Equal(0, f.Time.ActiveTimers);
    }

    [Fact]
    public void Disposing_an_abandoned_wait_stops_its_timer_and_watches()
    {
        using var f = new PartitionFixture();
        f.Partition.MakeLeader(0, 0, [1, 2], [1, 2]);
        var outcome = f.Append(2);
        var delayed = new DelayedProduce(f.Time, Timeout);
        delayed.Add(f.Partition, outcome.LastOffset + 1);
        delayed.Start();
        delayed.Dispose();
        Assert.Equal(0, f.Time.ActiveTimers);
        f.Partition.UpdateFollowerFetchState(Follower, 2, 0, 1);
        Assert.False(delayed.Completion.IsCompleted);
    }
}
