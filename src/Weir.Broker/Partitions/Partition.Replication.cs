using System.Buffers;
using Weir.Protocol;

namespace Weir.Broker.Partitions;

/// <summary>High watermark maintenance from follower fetches, and the produces waiting on it.</summary>
public sealed partial class Partition
{
    private readonly List<DelayedProduce> _watchers = [];
    private int _watcherCount;

    /// <summary>The followers' states as last fetched (leader only; empty on a follower or alone).</summary>
    public IReadOnlyList<FollowerState> Followers => _followers;

    /// <summary>
    /// A follower fetched from <paramref name="fetchOffset"/>: it holds everything below, so that is its
    /// log end offset. The leader's high watermark (min log end over the ISR) may advance, waking
    /// produces waiting for acks=-1. NOT_LEADER_OR_FOLLOWER when this broker does not lead or
    /// <paramref name="replicaId"/> is not one of the partition's replicas.
    /// </summary>
    public ErrorCode UpdateFollowerFetchState(int replicaId, long fetchOffset, long followerLogStartOffset, long fetchTimeMs)
    {
        bool advanced;
        lock (_stateLock)
        {
            var state = _state;
            if (!state.IsLeader || FollowerLocked(replicaId) is not { } follower)
            {
                return ErrorCode.NotLeaderOrFollower;
            }

            var leaderEnd = Log.LogEndOffset;
            follower.LogEndOffset = fetchOffset;
            follower.LogStartOffset = followerLogStartOffset;
            follower.LastFetchTimeMs = fetchTimeMs;
            if (fetchOffset >= leaderEnd)
            {
                follower.LastCaughtUpTimeMs = fetchTimeMs;
            }

            advanced = MaybeIncrementHighWatermarkLocked();
        }

        if (advanced)
        {
            WakeWatchers();
        }

        return ErrorCode.None;
    }

    /// <summary>
    /// As a follower: the leader's high watermark from a fetch response, capped at what this replica
    /// holds. (A leader computes its own from the ISR.)
    /// </summary>
    public void UpdateFollowerHighWatermark(long leaderHighWatermark)
    {
        lock (_stateLock)
        {
            if (!_state.IsLeader)
            {
                Log.UpdateHighWatermark(Math.Min(leaderHighWatermark, Log.LogEndOffset));
            }
        }
    }

    /// <summary>
    /// Kafka's checkEnoughReplicasReachOffset for an acks=-1 append ending before <paramref name="requiredOffset"/>:
    /// done once the high watermark reached it (NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR is now
    /// smaller than min.insync.replicas), or at once with NOT_LEADER_OR_FOLLOWER after losing leadership.
    /// </summary>
    public bool CheckEnoughReplicasReachOffset(long requiredOffset, out ErrorCode error)
    {
        var state = _state;
        if (!state.IsLeader)
        {
            error = ErrorCode.NotLeaderOrFollower;
            return true;
        }

        if (Log.HighWatermark >= requiredOffset)
        {
            error = state.Isr.Length >= Log.Config.MinInSyncReplicas ? ErrorCode.None : ErrorCode.NotEnoughReplicasAfterAppend;
            return true;
        }

        error = ErrorCode.None;
        return false;
    }

    /// <summary>
    /// The leader's high watermark is the lowest log end offset over the ISR (this broker's included);
    /// a member that has not fetched in this epoch holds it where it is. It never moves back.
    /// </summary>
    private bool MaybeIncrementHighWatermarkLocked()
    {
        var state = _state;
        if (!state.IsLeader)
        {
            return false;
        }

        var candidate = Log.LogEndOffset;
        foreach (var member in state.Isr)
        {
            if (member == LocalBrokerId)
            {
                continue;
            }

            var end = FollowerLocked(member)?.LogEndOffset ?? -1;
            if (end < candidate)
            {
                candidate = end;
            }
        }

        if (candidate <= Log.HighWatermark)
        {
            return false;
        }

        Log.UpdateHighWatermark(candidate);
        return true;
    }

    /// <summary>After an append as leader: a leader alone in its ISR commits at once.</summary>
    private bool MaybeIncrementHighWatermark()
    {
        lock (_stateLock)
        {
            return MaybeIncrementHighWatermarkLocked();
        }
    }

    private FollowerState? FollowerLocked(int replicaId)
    {
        foreach (var follower in _followers)
        {
            if (follower.ReplicaId == replicaId)
            {
                return follower;
            }
        }

        return null;
    }

    internal void Watch(DelayedProduce produce)
    {
        lock (_stateLock)
        {
            _watchers.Add(produce);
            _watcherCount = _watchers.Count;
        }
    }

    internal void Unwatch(DelayedProduce produce)
    {
        lock (_stateLock)
        {
            _watchers.Remove(produce);
            _watcherCount = _watchers.Count;
        }
    }

    /// <summary>Lets the produces waiting on this partition check it again (Kafka's purgatory checkAndComplete).</summary>
    private void WakeWatchers()
    {
        if (Volatile.Read(ref _watcherCount) == 0)
        {
            return;
        }

        DelayedProduce[] waiting;
        int count;
        lock (_stateLock)
        {
            count = _watchers.Count;
            waiting = ArrayPool<DelayedProduce>.Shared.Rent(Math.Max(1, count));
            _watchers.CopyTo(waiting);
        }

        try
        {
            for (var i = 0; i < count; i++)
            {
                waiting[i].TryComplete(this);
            }
        }
        finally
        {
            ArrayPool<DelayedProduce>.Shared.Return(waiting, clearArray: true);
        }
    }
}
