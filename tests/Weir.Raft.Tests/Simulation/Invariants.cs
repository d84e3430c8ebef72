
namespace Weir.Raft.Tests.Simulation;

/// <summary>
/// The safety properties checked after every event: one leader per epoch; epochs never go back;
/// a high watermark never goes back within one incarnation; committed data (offset → epoch and
/// content) never changes on any node; a majority of voters hold every committed offset on disk;
/// a leader holds every offset committed before its epoch. Checks are incremental so that they stay cheap.
/// </summary>
internal sealed class Invariants
{
    private readonly SimulatedCluster _cluster;
    private readonly Dictionary<int, int> _leaderOfEpoch = [];
    private readonly List<(int Epoch, uint Crc, int SeenInEpoch)> _committed = [];
    private readonly Dictionary<int, Tracked> _tracked = [];

    private sealed class Tracked
    {
        public int MaxEpoch;
        public int Incarnation;
        public long HighWatermark;
        public long Verified;
        public long MatchedFlushed;
        public long MatchedFull;
    }

    public Invariants(SimulatedCluster cluster)
    {
        _cluster = cluster;
        foreach (var node in cluster.Nodes.Values)
        {
            _tracked[node.Id] = new Tracked();
            node.Truncated = OnTruncated;
        }
    }

    /// <summary>Offsets below this are known committed by some node.</summary>
    public long CommittedEnd => _committed.Count;

    private void OnTruncated(SimNode node, long offset)
    {
        var tracked = _tracked[node.Id];
        // A crash may lose an observer's unflushed records below its (volatile) high watermark; the node itself never may.
        if (!node.Crashing && offset < tracked.HighWatermark)
        {
            throw new InvariantViolation($"node {node.Id} truncated to {offset}, below its high watermark {tracked.HighWatermark}");
        }
        tracked.Verified = Math.Min(tracked.Verified, offset);
        tracked.MatchedFlushed = Math.Min(tracked.MatchedFlushed, offset);
        tracked.MatchedFull = Math.Min(tracked.MatchedFull, offset);
    }

    public void Check()
    {
        foreach (var node in _cluster.Nodes.Values)
        {
            var tracked = _tracked[node.Id];
            if (node.Raft is { } raft)
            {
                CheckNode(node, raft, tracked);
            }
        }
        // Majority: count voters (down ones too: their disks stay) whose flushed log matches all committed offsets.
        var holding = 0;
        foreach (var node in _cluster.Nodes.Values)
        {
            if (!node.IsVoter)
            {
                continue;
            }
            var tracked = _tracked[node.Id];
            tracked.MatchedFlushed = Extend(node.Log, tracked.MatchedFlushed, node.Log.FlushedEndOffset);
            if (tracked.MatchedFlushed >= _committed.Count)
            {
                holding++;
            }
        }
        if (holding < (_cluster.VoterIds.Length / 2) + 1)
        {
            throw new InvariantViolation($"only {holding} of {_cluster.VoterIds.Length} voters hold the committed offsets below {_committed.Count} on disk");
        }
    }

    private void CheckNode(SimNode node, RaftNode raft, Tracked tracked)
    {
        if (raft.Epoch < tracked.MaxEpoch)
        {
            throw new InvariantViolation($"node {node.Id} epoch went back from {tracked.MaxEpoch} to {raft.Epoch}");
        }
        tracked.MaxEpoch = raft.Epoch;
        if (raft.Role == RaftRole.Leader)
        {
            if (_leaderOfEpoch.TryGetValue(raft.Epoch, out var other) && other != node.Id)
            {
                throw new InvariantViolation($"two leaders in epoch {raft.Epoch}: {other} and {node.Id}");
            }
            _leaderOfEpoch[raft.Epoch] = node.Id;
        }
        if (tracked.Incarnation != node.Incarnation)
        {
            tracked.Incarnation = node.Incarnation;
            tracked.HighWatermark = 0; // volatile: a restarted node learns it again
        }
        if (raft.HighWatermark < tracked.HighWatermark)
        {
            throw new InvariantViolation($"node {node.Id} high watermark went back from {tracked.HighWatermark} to {raft.HighWatermark}");
        }
        tracked.HighWatermark = raft.HighWatermark;
        // Committed data: every offset below the node's high watermark equals what was first seen committed there.
        var limit = Math.Min(raft.HighWatermark, node.Log.EndOffset);
        for (var offset = tracked.Verified; offset < limit; offset++)
        {
            if (!node.Log.TryGetBatch(offset, out var batch) || batch.BaseOffset != batch.LastOffset)
            {
                throw new InvariantViolation($"node {node.Id} has no single-record batch at committed offset {offset}");
            }
            if (offset < _committed.Count)
            {
                var expected = _committed[(int)offset];
                if (expected.Epoch != batch.Epoch || expected.Crc != batch.Crc)
                {
                    throw new InvariantViolation($"node {node.Id} committed offset {offset} is (epoch {batch.Epoch}, crc {batch.Crc:x8}) but was (epoch {expected.Epoch}, crc {expected.Crc:x8})");
                }
            }
            else
            {
                _committed.Add((batch.Epoch, batch.Crc, raft.Epoch));
            }
        }
        tracked.Verified = Math.Max(tracked.Verified, limit);
        if (raft.Role == RaftRole.Leader)
        {
            // Leader completeness: what was committed in an earlier epoch is in every later leader's log. The epoch an
            // offset was first seen committed in is at or after the one it was committed in, so this never over-reports;
            // a stale leader of an older epoch may lack what a newer one committed.
            tracked.MatchedFull = Extend(node.Log, tracked.MatchedFull, node.Log.EndOffset);
            for (var offset = tracked.MatchedFull; offset < _committed.Count; offset++)
            {
                if (_committed[(int)offset].SeenInEpoch < raft.Epoch)
                {
                    throw new InvariantViolation($"leader {node.Id} of epoch {raft.Epoch} lacks offset {offset}, committed by epoch {_committed[(int)offset].SeenInEpoch}");
                }
            }
        }
    }

    private long Extend(MemoryRaftLog log, long matched, long end)
    {
        var limit = Math.Min(end, _committed.Count);
        while (matched < limit && log.TryGetBatch(matched, out var batch)
            && batch.Epoch == _committed[(int)matched].Epoch && batch.Crc == _committed[(int)matched].Crc)
        {
            matched++;
        }
        return matched;
    }
}

internal sealed class InvariantViolation(string message) : Exception(message);
