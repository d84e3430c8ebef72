using Weir.Broker.Partitions;
using Weir.Protocol;
using Weir.Protocol.Records;

namespace Weir.Broker.Tests.Partitions;

/// <summary>The partition facade: leadership, the one leader epoch check, high watermark from follower fetches, reads, appends as follower.</summary>
public sealed class PartitionTests
{
    private const int Follower = 2;

    [Fact]
    public void A_leader_alone_in_its_isr_commits_every_append_at_once()
    {
        using var f = new PartitionFixture();
        Assert.True(f.Partition.MakeLeader(0, 0, [1], [1]));
        var outcome = f.Append(3);
        Assert.Equal(0, outcome.BaseOffset);
        Assert.Equal(2, outcome.LastOffset);
        Assert.Equal(3, f.Partition.HighWatermark);
        Assert.Equal(3, f.Partition.LastStableOffset);
        Assert.True(f.Partition.CheckEnoughReplicasReachOffset(outcome.LastOffset + 1, out var error));
        Assert.Equal(ErrorCode.None, error);
    }

    [Fact]
    public void The_high_watermark_is_the_lowest_log_end_over_the_isr_and_never_moves_back()
    {
        using var f = new PartitionFixture();
        f.Partition.MakeLeader(0, 0, [1, 2, 3], [1, 2]);
        f.Append(5);
        Assert.Equal(5, f.Partition.LogEndOffset);
        Assert.Equal(0, f.Partition.HighWatermark); // follower 2 has not fetched yet

        // Replica 3 is not in the ISR: its fetches do not hold the high watermark back, nor move it.
        Assert.Equal(ErrorCode.None, f.Partition.UpdateFollowerFetchState(3, 0, 0, 1));
        Assert.Equal(0, f.Partition.HighWatermark);

        Assert.Equal(ErrorCode.None, f.Partition.UpdateFollowerFetchState(Follower, 3, 0, 2));
        Assert.Equal(3, f.Partition.HighWatermark);
        Assert.Equal(ErrorCode.None, f.Partition.UpdateFollowerFetchState(Follower, 5, 0, 3));
        Assert.Equal(5, f.Partition.HighWatermark);
        Assert.Equal(ErrorCode.None, f.Partition.UpdateFollowerFetchState(Follower, 2, 0, 4));
        Assert.Equal(5, f.Partition.HighWatermark);

        var state = Assert.Single(f.Partition.Followers, s => s.ReplicaId == Follower);
        Assert.Equal(2, state.LogEndOffset);
        Assert.Equal(4, state.LastFetchTimeMs);
        Assert.Equal(3, state.LastCaughtUpTimeMs); // the fetch at 5 was the last to reach the leader's log end

        Assert.Equal(ErrorCode.NotLeaderOrFollower, f.Partition.UpdateFollowerFetchState(7, 5, 0, 5));
    }

    [Fact]
    public void Shrinking_the_isr_advances_the_high_watermark_and_a_new_epoch_forgets_follower_progress()
    {
        using var f = new PartitionFixture();
        f.Partition.MakeLeader(0, 0, [1, 2], [1, 2]);
        f.Append(4);
        f.Partition.UpdateFollowerFetchState(Follower, 2, 0, 1);
        Assert.Equal(2, f.Partition.HighWatermark);

        f.Partition.MakeLeader(0, 1, [1, 2], [1]);
        Assert.Equal(4, f.Partition.HighWatermark);

        f.Append(2);
        Assert.Equal(6, f.Partition.HighWatermark); // alone in the ISR

        // Follower 2 rejoins under epoch 1: what it fetched before no longer counts.
        f.Partition.MakeLeader(1, 2, [1, 2], [1, 2]);
        Assert.Equal(-1, Assert.Single(f.Partition.Followers).LogEndOffset);
        f.Append(1);
        Assert.Equal(6, f.Partition.HighWatermark); // held, not moved back nor on
        f.Partition.UpdateFollowerFetchState(Follower, 7, 0, 2);
        Assert.Equal(7, f.Partition.HighWatermark);
        Assert.Equal(1, f.Partition.LeaderEpoch);
        Assert.Equal(2, f.Partition.PartitionEpoch);
    }

    [Fact]
    public void Applying_the_same_registration_again_changes_nothing()
    {
        using var f = new PartitionFixture();
        int[] replicas = [1, 2];
        int[] isr = [1, 2];
        Assert.True(f.Partition.MakeLeader(3, 4, replicas, isr));
        f.Append(2);
        f.Partition.UpdateFollowerFetchState(Follower, 1, 0, 1);
        var follower = Assert.Single(f.Partition.Followers);

        Assert.False(f.Partition.MakeLeader(3, 4, replicas, isr));
        Assert.Same(follower, Assert.Single(f.Partition.Followers));
        Assert.Equal(1, follower.LogEndOffset);
        Assert.Equal(1, f.Partition.HighWatermark);
    }

    [Fact]
    public void One_leader_epoch_check_fences_older_epochs_and_does_not_know_newer_ones()
    {
        using var f = new PartitionFixture();
        f.Partition.MakeLeader(5, 0, [1, 2], [1, 2]);
        Assert.Equal(ErrorCode.None, f.Partition.CheckLeaderEpoch(-1, requireLeader: true));
        Assert.Equal(ErrorCode.None, f.Partition.CheckLeaderEpoch(5, requireLeader: true));
        Assert.Equal(ErrorCode.FencedLeaderEpoch, f.Partition.CheckLeaderEpoch(4, requireLeader: true));
        Assert.Equal(ErrorCode.UnknownLeaderEpoch, f.Partition.CheckLeaderEpoch(6, requireLeader: true));

        f.Partition.MakeFollower(2, 6, 1, [1, 2], [1, 2]);
        Assert.False(f.Partition.IsLeader);
        Assert.Equal(2, f.Partition.Leader);
        Assert.Equal(ErrorCode.NotLeaderOrFollower, f.Partition.CheckLeaderEpoch(6, requireLeader: true));
        Assert.Equal(ErrorCode.None, f.Partition.CheckLeaderEpoch(6, requireLeader: false));
        Assert.Equal(ErrorCode.FencedLeaderEpoch, f.Partition.CheckLeaderEpoch(5, requireLeader: false));

        // Every read path uses it.
        Assert.Equal(ErrorCode.FencedLeaderEpoch, f.Partition.Read(FetchParams.ForConsumer(0, 1 << 20, true, 5, 0)).Error);
        Assert.Equal(ErrorCode.NotLeaderOrFollower, f.Partition.Read(FetchParams.ForConsumer(0, 1 << 20, true, -1, 0)).Error);
        Assert.Equal(ErrorCode.UnknownLeaderEpoch, f.Partition.FetchOffsetForTimestamp(Partition.LatestTimestamp, 7, FetchIsolation.HighWatermark, true).Error);
        Assert.Equal(ErrorCode.NotLeaderOrFollower, f.Partition.LastOffsetForLeaderEpoch(-1, 6, true).Error);
        Assert.Equal(ErrorCode.NotLeaderOrFollower, f.Partition.DeleteRecordsOnLeader(0).Error);
        Assert.Equal(ErrorCode.NotLeaderOrFollower, f.Partition.LegacyOffsetsBefore(-1, 1, true, true).Error);
    }

    [Fact]
    public void A_follower_refuses_client_appends()
    {
        using var f = new PartitionFixture();
        f.Partition.MakeFollower(2, 3, 0, [1, 2], [1, 2]);
        var outcome = f.Partition.AppendAsLeader(TestBatches.Build(1), 1, f.Time);
        Assert.Equal(ErrorCode.NotLeaderOrFollower, outcome.Error);
        Assert.Equal(0, f.Partition.LogEndOffset);
    }

    [Fact]
    public void Consumers_read_to_the_high_watermark_and_followers_to_the_log_end_which_their_fetch_offsets_commit()
    {
        using var f = new PartitionFixture();
        f.Partition.MakeLeader(0, 0, [1, 2], [1, 2]);
        var first = f.Append(3);
        f.Append(2);
        f.Partition.UpdateFollowerFetchState(Follower, 3, 0, 1);
        Assert.Equal(3, f.Partition.HighWatermark);

        var consumer = f.Partition.Read(FetchParams.ForConsumer(0, 1 << 20, true, 0, 0));
        Assert.Equal(ErrorCode.None, consumer.Error);
        Assert.Equal(3, consumer.HighWatermark);
        var consumed = consumer.Slice.ToArray();
        Assert.Equal(new RecordBatchHeader(consumed).TotalSize, consumed.Length); // the first batch only
        Assert.Equal(first.BaseOffset, new RecordBatchHeader(consumed).BaseOffset);
        Assert.True(f.Partition.Read(FetchParams.ForConsumer(3, 1 << 20, true, 0, 0)).Slice.IsEmpty);

        var replica = f.Partition.Read(FetchParams.ForFollower(Follower, 3, 1 << 20, true, 0, 2, 0));
        Assert.Equal(ErrorCode.None, replica.Error);
        Assert.Equal(3, new RecordBatchHeader(replica.Slice.ToArray()).BaseOffset);

        // The follower's next fetch, from the log end, says it has everything.
        f.Partition.Read(FetchParams.ForFollower(Follower, 5, 1 << 20, true, 0, 3, 0));
        Assert.Equal(5, f.Partition.HighWatermark);

        Assert.Equal(ErrorCode.NotLeaderOrFollower, f.Partition.Read(FetchParams.ForFollower(9, 5, 1 << 20, true, 0, 3, 0)).Error);
        Assert.Equal(ErrorCode.OffsetOutOfRange, f.Partition.Read(FetchParams.ForConsumer(6, 1 << 20, true, 0, 0)).Error);
    }

    [Fact]
    public void A_follower_whose_last_fetched_epoch_diverges_is_told_where_to_truncate_instead_of_records()
    {
        using var f = new PartitionFixture();
        f.Partition.MakeLeader(0, 0, [1, 2], [1, 2]);
        f.Append(3); // epoch 0: offsets 0..2
        f.Partition.MakeLeader(2, 1, [1, 2], [1, 2]);
        f.Append(2); // epoch 2: offsets 3..4

        // The follower wrote offsets from 3 on in epoch 1, which this leader never had: back to 3.
        var diverged = f.Partition.Read(FetchParams.ForFollower(Follower, 4, 1 << 20, true, 2, 1, 0, lastFetchedEpoch: 1));
        Assert.Equal(ErrorCode.None, diverged.Error);
        Assert.True(diverged.HasDivergingEpoch);
        Assert.Equal((0, 3L), (diverged.DivergingEpoch, diverged.DivergingEndOffset));
        Assert.True(diverged.Slice.IsEmpty);
        Assert.Equal(-1, Assert.Single(f.Partition.Followers).LogEndOffset); // not taken as its log end

        // In step: records, and the fetch state moves.
        var inStep = f.Partition.Read(FetchParams.ForFollower(Follower, 3, 1 << 20, true, 2, 2, 0, lastFetchedEpoch: 0));
        Assert.False(inStep.HasDivergingEpoch);
        Assert.Equal(3, new RecordBatchHeader(inStep.Slice.ToArray()).BaseOffset);
        Assert.Equal(3, f.Partition.HighWatermark);
    }

    [Fact]
    public void Offsets_by_timestamp_stop_at_the_last_fetchable_offset_and_a_lagging_new_leader_says_not_available()
    {
        using var f = new PartitionFixture();
        f.Partition.MakeLeader(0, 0, [1, 2], [1, 2]);
        f.Append(5);
        f.Partition.UpdateFollowerFetchState(Follower, 3, 0, 1);
        Assert.Equal(3, f.Partition.FetchOffsetForTimestamp(Partition.LatestTimestamp, 0, FetchIsolation.HighWatermark, true).Offset);
        Assert.Equal(5, f.Partition.FetchOffsetForTimestamp(Partition.LatestTimestamp, 0, null, true).Offset);
        Assert.Equal(0, f.Partition.FetchOffsetForTimestamp(Partition.EarliestTimestamp, 0, FetchIsolation.HighWatermark, true).Offset);

        // Re-elected in epoch 1 at log end 5 while the high watermark is 3: consumers wait for it.
        f.Partition.MakeLeader(1, 1, [1, 2], [1, 2]);
        var lagging = f.Partition.FetchOffsetForTimestamp(Partition.LatestTimestamp, 1, FetchIsolation.HighWatermark, true);
        Assert.Equal(ErrorCode.OffsetNotAvailable, lagging.Error);
        Assert.Equal(5, f.Partition.FetchOffsetForTimestamp(Partition.LatestTimestamp, 1, null, true).Offset);

        f.Partition.UpdateFollowerFetchState(Follower, 5, 0, 2);
        var latest = f.Partition.FetchOffsetForTimestamp(Partition.LatestTimestamp, 1, FetchIsolation.HighWatermark, true);
        Assert.Equal((ErrorCode.None, 5L, 1), (latest.Error, latest.Offset, latest.LeaderEpoch));
        Assert.Equal((ErrorCode.None, 0, 5L), f.Partition.LastOffsetForLeaderEpoch(1, 0, true)); // epoch 0 ended where epoch 1 began
    }

    [Fact]
    public void Appends_as_follower_keep_the_leaders_offsets_and_epochs_and_advance_the_log_end()
    {
        using var f = new PartitionFixture();
        f.Partition.MakeFollower(2, 5, 0, [1, 2], [1, 2]);
        var first = PartitionFixture.LeaderBatch(0, 3, epoch: 4);
        var second = PartitionFixture.LeaderBatch(3, 2, epoch: 5);
        var partial = PartitionFixture.LeaderBatch(5, 4, epoch: 5);
        // A fetch response may end inside a batch: that part waits for the next fetch.
        byte[] fetched = [.. first, .. second, .. partial.AsSpan(0, partial.Length - 7)];

        var outcome = f.Partition.AppendAsFollower(fetched);
        Assert.Equal(ErrorCode.None, outcome.Error);
        Assert.Equal((0L, 4L), (outcome.BaseOffset, outcome.LastOffset));
        Assert.Equal(5, f.Partition.LogEndOffset);
        Assert.Equal(0, f.Partition.HighWatermark); // a follower learns it from its leader
        Assert.Equal([(4, 0L), (5, 3L)], f.Log.LeaderEpochCache.Entries.Select(e => (e.Epoch, e.StartOffset)));

        // Stored byte for byte, offsets and epochs as the leader assigned them.
        var stored = f.Log.Read(0, 1 << 20, long.MaxValue, true).ToArray();
        Assert.Equal([.. first, .. second], stored);

        // Offsets are not assigned: a batch further on keeps its own.
        var later = PartitionFixture.LeaderBatch(10, 2, epoch: 6);
        Assert.Equal(ErrorCode.None, f.Partition.AppendAsFollower(later).Error);
        Assert.Equal(12, f.Partition.LogEndOffset);

        f.Partition.UpdateFollowerHighWatermark(4);
        Assert.Equal(4, f.Partition.HighWatermark);
        f.Partition.UpdateFollowerHighWatermark(50);
        Assert.Equal(12, f.Partition.HighWatermark);

        var corrupt = PartitionFixture.LeaderBatch(12, 1, epoch: 6);
        corrupt[^1] ^= 0xFF;
        Assert.Equal(ErrorCode.CorruptMessage, f.Partition.AppendAsFollower(corrupt).Error);
        Assert.Equal(12, f.Partition.LogEndOffset);
    }

    [Fact]
    public void Appends_as_follower_carry_idempotent_producer_state_to_a_later_leadership()
    {
        using var f = new PartitionFixture();
        f.Partition.MakeFollower(2, 0, 0, [1, 2], [1, 2]);
        var batch = IdempotentBatch(producerId: 42, sequence: 0, records: 2);
        RecordBatchHeader.SetBaseOffset(batch, 0);
        Assert.Equal(ErrorCode.None, f.Partition.AppendAsFollower(batch).Error);

        f.Partition.MakeLeader(1, 1, [1, 2], [1]);
        // The producer retries the same batch with the new leader: recognised, not written twice.
        var retry = f.Partition.AppendAsLeader(IdempotentBatch(producerId: 42, sequence: 0, records: 2), -1, f.Time);
        Assert.Equal((ErrorCode.None, 0L, 1L), (retry.Error, retry.BaseOffset, retry.LastOffset));
        Assert.Equal(2, f.Partition.LogEndOffset);
    }

    private static byte[] IdempotentBatch(long producerId, int sequence, int records)
    {
        using var builder = new RecordBatchBuilder { ProducerId = producerId, ProducerEpoch = 0, BaseSequence = sequence };
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < records; i++)
        {
            builder.Append(now, [(byte)i], [(byte)i]);
        }

        using var buffer = new Protocol.Compression.PooledBufferWriter();
        builder.Build(buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
