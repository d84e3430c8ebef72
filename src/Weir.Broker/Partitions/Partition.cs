using Weir.Protocol;
using Weir.Protocol.Records;
using Weir.Storage;
using Weir.Storage.Log;

namespace Weir.Broker.Partitions;

/// <summary>
/// One partition this broker hosts (Kafka's <c>Partition</c>): its log, its place in the metadata
/// (leader or follower, leader epoch, replicas, ISR), the high watermark it maintains as leader, and
/// every record operation handlers need: appends as leader or follower, reads for consumers and
/// replicas, offsets by timestamp or epoch, record deletion. Handlers talk to this, never to the log.
/// </summary>
/// <remarks>
/// Locks: <see cref="AppendLock"/> serializes appends with leadership changes (so an append uses the
/// epoch it checked); <c>_stateLock</c> guards the ISR, follower states and high watermark updates.
/// Order: AppendLock, then _stateLock. Watchers (delayed produces) are woken outside both.
/// </remarks>
public sealed partial class Partition
{
    private readonly Lock _stateLock = new();
    private volatile PartitionState _state;
    private FollowerState[] _followers = [];

    public Partition(TopicPartition topicPartition, Guid topicId, PartitionLog log, int localBrokerId = -1)
    {
        TopicPartition = topicPartition;
        TopicId = topicId;
        Log = log;
        LocalBrokerId = localBrokerId;
        _state = new PartitionState(false, -1, 0, 0, [], []);
    }

    public TopicPartition TopicPartition { get; }

    public Guid TopicId { get; }

    /// <summary>The log itself, for storage-level work (loading the offsets topic, the coordinator); record operations go through this partition.</summary>
    public PartitionLog Log { get; }

    public int LocalBrokerId { get; }

    public bool IsLeader => _state.IsLeader;

    /// <summary>The leader's broker id as the metadata says (-1 when there is none).</summary>
    public int Leader => _state.Leader;

    public int LeaderEpoch => _state.LeaderEpoch;

    public int PartitionEpoch => _state.PartitionEpoch;

    public int[] Replicas => _state.Replicas;

    public int[] Isr => _state.Isr;

    public bool IsOffline => Log.IsOffline;

    public long LogStartOffset => Log.LogStartOffset;

    public long LogEndOffset => Log.LogEndOffset;

    /// <summary>Offsets below it are on every ISR member: what consumers may read.</summary>
    public long HighWatermark => Log.HighWatermark;

    /// <summary>Weir has no transactions, so nothing is open and the last stable offset is the high watermark.</summary>
    public long LastStableOffset => Log.HighWatermark;

    /// <summary>Idempotent producer state: sequence checks and duplicate detection.</summary>
    public ProducerStateTable Producers { get; } = new();

    /// <summary>Serializes appends so sequence checks and offset assignment agree.</summary>
    public Lock AppendLock { get; } = new();

    /// <summary>A consistent copy of <see cref="Producers"/>, taken between appends.</summary>
    public List<ProducerSnapshot> SnapshotProducers()
    {
        lock (AppendLock)
        {
            return Producers.Snapshot();
        }
    }

    /// <summary>
    /// This broker leads the partition from <paramref name="leaderEpoch"/> on (applied from the metadata
    /// image; a no-op apart from the ISR when nothing changed). A new epoch starts at the log end in the
    /// epoch cache, as Kafka's makeLeader, and forgets what followers had fetched under the old one.
    /// The high watermark is then recomputed: with an ISR of this broker alone it is the log end offset.
    /// </summary>
    /// <returns>True when this broker was not the leader before.</returns>
    public bool MakeLeader(int leaderEpoch, int partitionEpoch, int[] replicas, int[] isr)
    {
        if (IsUnchanged(true, LocalBrokerId, leaderEpoch, partitionEpoch, replicas, isr))
        {
            return false;
        }

        bool wasLeader;
        lock (AppendLock)
        {
            lock (_stateLock)
            {
                var old = _state;
                wasLeader = old.IsLeader;
                var newEpoch = !wasLeader || leaderEpoch != old.LeaderEpoch;
                _state = new PartitionState(true, LocalBrokerId, leaderEpoch, partitionEpoch, replicas, isr);
                _followers = FollowersFor(replicas, newEpoch ? [] : _followers);
                if (newEpoch)
                {
                    // A no-op when already recorded; lets OffsetForLeaderEpoch answer before the first append.
                    Log.LeaderEpochCache.Assign(leaderEpoch, Log.LogEndOffset);
                    Volatile.Write(ref _leaderEpochStartOffset, Log.LogEndOffset);
                }

                MaybeIncrementHighWatermarkLocked();
            }
        }

        // The ISR may have shrunk (or this broker only now leads): delayed produces may be decided.
        WakeWatchers();
        return !wasLeader;
    }

    /// <summary>
    /// <paramref name="leader"/> (maybe -1, none) leads the partition; this broker replicates it. Appends
    /// from clients are refused from now on, and produces waiting for replication here fail with
    /// NOT_LEADER_OR_FOLLOWER. The log is not truncated here: the replica fetcher does that with the new leader.
    /// </summary>
    /// <returns>True when this broker was the leader before, or the leader or its epoch changed.</returns>
    public bool MakeFollower(int leader, int leaderEpoch, int partitionEpoch, int[] replicas, int[] isr)
    {
        if (IsUnchanged(false, leader, leaderEpoch, partitionEpoch, replicas, isr))
        {
            return false;
        }

        bool changed;
        lock (AppendLock)
        {
            lock (_stateLock)
            {
                var old = _state;
                changed = old.IsLeader || old.Leader != leader || old.LeaderEpoch != leaderEpoch;
                _state = new PartitionState(false, leader, leaderEpoch, partitionEpoch, replicas, isr);
                _followers = [];
                Volatile.Write(ref _leaderEpochStartOffset, -1);
            }
        }

        WakeWatchers();
        return changed;
    }

    /// <summary>No longer hosted here (its topic was deleted): produces waiting on it fail with NOT_LEADER_OR_FOLLOWER.</summary>
    public void Stop() => MakeFollower(-1, LeaderEpoch, PartitionEpoch, [], []);

    /// <summary>
    /// The one leader epoch check (Kafka's checkCurrentLeaderEpoch with requireLeader): a client's
    /// current leader epoch older than ours is FENCED_LEADER_EPOCH, newer is UNKNOWN_LEADER_EPOCH
    /// (our metadata lags), -1 skips the check; then a request that needs the leader gets
    /// NOT_LEADER_OR_FOLLOWER from a follower.
    /// </summary>
    public ErrorCode CheckLeaderEpoch(int currentLeaderEpoch, bool requireLeader) =>
        CheckLeaderEpoch(_state, currentLeaderEpoch, requireLeader);

    private static ErrorCode CheckLeaderEpoch(PartitionState state, int currentLeaderEpoch, bool requireLeader)
    {
        if (currentLeaderEpoch >= 0 && currentLeaderEpoch != state.LeaderEpoch)
        {
            return currentLeaderEpoch < state.LeaderEpoch ? ErrorCode.FencedLeaderEpoch : ErrorCode.UnknownLeaderEpoch;
        }

        return requireLeader && !state.IsLeader ? ErrorCode.NotLeaderOrFollower : ErrorCode.None;
    }

    /// <summary>
    /// Rebuilds idempotent producer state from the batch headers in the log, so retries that
    /// reach a restarted broker are still recognised as duplicates. Reads every batch header once;
    /// producer snapshots (Kafka's .snapshot files) would bound this and are still to do.
    /// </summary>
    public void RebuildProducerState() => Log.ForEachBatchHeader(Log.LogStartOffset, batch => RecordProducer(new RecordBatchHeader(batch)));

    private void RecordProducer(RecordBatchHeader header)
    {
        if (header.ProducerId >= 0 && header.BaseSequence >= 0 && !header.IsControl)
        {
            Producers.Record(header.ProducerId, header.ProducerEpoch, header.BaseSequence, header.BaseSequence + header.LastOffsetDelta, header.BaseOffset, header.MaxTimestamp);
        }
    }

    /// <summary>
    /// Every image applies every hosted partition again: an unchanged registration (the image keeps its
    /// arrays) takes no lock and allocates nothing.
    /// </summary>
    private bool IsUnchanged(bool isLeader, int leader, int leaderEpoch, int partitionEpoch, int[] replicas, int[] isr)
    {
        var state = _state;
        return state.IsLeader == isLeader && state.Leader == leader && state.LeaderEpoch == leaderEpoch
            && state.PartitionEpoch == partitionEpoch && ReferenceEquals(state.Replicas, replicas) && ReferenceEquals(state.Isr, isr);
    }

    /// <summary>Kept for the followers of a leader, in replica order; those seen before keep their state.</summary>
    private FollowerState[] FollowersFor(int[] replicas, FollowerState[] previous)
    {
        var count = 0;
        foreach (var id in replicas)
        {
            if (id != LocalBrokerId)
            {
                count++;
            }
        }

        if (count == 0)
        {
            return [];
        }

        var result = new FollowerState[count];
        var i = 0;
        foreach (var id in replicas)
        {
            if (id == LocalBrokerId)
            {
                continue;
            }

            FollowerState? kept = null;
            foreach (var p in previous)
            {
                if (p.ReplicaId == id)
                {
                    kept = p;
                    break;
                }
            }

            result[i++] = kept ?? new FollowerState(id);
        }

        return result;
    }

    /// <summary>Leadership and membership as one immutable value, so readers see a consistent set.</summary>
    private sealed record PartitionState(bool IsLeader, int Leader, int LeaderEpoch, int PartitionEpoch, int[] Replicas, int[] Isr);
}
