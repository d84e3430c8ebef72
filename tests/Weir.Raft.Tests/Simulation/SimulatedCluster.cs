using Microsoft.Extensions.Time.Testing;

namespace Weir.Raft.Tests.Simulation;

/// <summary>
/// Voters and observers on a simulated network and clock (in the style of Kafka's RaftEventSimulationTest):
/// one priority queue of events ordered by simulated time, so a seed replays exactly. Messages can be
/// dropped, delayed (and so reordered) or blocked by partitions; a crash loses the node's volatile state
/// and its unflushed log, and the restart reads the persisted election state.
/// </summary>
internal sealed class SimulatedCluster
{
    public const int PollIntervalMs = 20;

    private readonly PriorityQueue<Action, (long Time, long Sequence)> _events = new();
    private long _sequence;
    private readonly HashSet<(int, int)> _blockedLinks = [];

    public SimulatedCluster(int seed, int voterCount, int observerCount, bool roundTripCodec, RaftOptions? options = null)
    {
        Random = new Random(seed);
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Options = options ?? new RaftOptions { ClusterId = "sim-cluster" };
        RoundTripCodec = roundTripCodec;
        VoterIds = [.. Enumerable.Range(1, voterCount)];
        for (var id = 1; id <= voterCount + observerCount; id++)
        {
            Nodes[id] = new SimNode(id, id <= voterCount);
        }
        foreach (var node in Nodes.Values)
        {
            Start(node);
        }
    }

    public Random Random { get; }

    public FakeTimeProvider Time { get; }

    public RaftOptions Options { get; }

    public bool RoundTripCodec { get; }

    public int[] VoterIds { get; }

    public SortedDictionary<int, SimNode> Nodes { get; } = [];

    public double DropRate { get; set; }

    public int MaxDelayMs { get; set; } = 10;

    public long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    public long MessagesSent { get; private set; }

    public void Schedule(long delayMs, Action action) => _events.Enqueue(action, (NowMs + Math.Max(0, delayMs), _sequence++));

    /// <summary>Runs the next event; false when none is left.</summary>
    public bool Step()
    {
        if (!_events.TryDequeue(out var action, out var at))
        {
            return false;
        }
        var delta = at.Time - NowMs;
        if (delta > 0)
        {
            Time.Advance(TimeSpan.FromMilliseconds(delta));
        }
        action();
        return true;
    }

    public void Start(SimNode node)
    {
        node.Incarnation++;
        var incarnation = node.Incarnation;
        var network = new Network(this);
        node.Raft = new RaftNode(node.Id, VoterIds, node.Log, node.Store, network, Time, Options, new Random(Random.Next()));
        Schedule(Random.Next(PollIntervalMs), () => PollLoop(node, incarnation));
    }

    private void PollLoop(SimNode node, int incarnation)
    {
        if (node.Raft is null || node.Incarnation != incarnation)
        {
            return;
        }
        node.Raft.Poll();
        Schedule(PollIntervalMs, () => PollLoop(node, incarnation));
    }

    /// <summary>Kills the node: its RaftNode (volatile state) is gone and its log keeps only what was flushed.</summary>
    public void Crash(SimNode node)
    {
        if (node.Raft is null)
        {
            return;
        }
        node.Raft = null;
        node.Crashing = true;
        node.Log.Crash();
        node.Crashing = false;
    }

    public void Restart(SimNode node)
    {
        if (node.Raft is null && !node.PermanentlyDown)
        {
            Start(node);
        }
    }

    public void Partition(IReadOnlyCollection<int> side)
    {
        foreach (var a in Nodes.Keys)
        {
            foreach (var b in Nodes.Keys)
            {
                if (side.Contains(a) != side.Contains(b))
                {
                    _blockedLinks.Add((a, b));
                }
            }
        }
    }

    public void HealPartitions() => _blockedLinks.Clear();

    private void Send(RaftMessage message)
    {
        MessagesSent++;
        if (_blockedLinks.Contains((message.Source, message.Destination)) || Random.NextDouble() < DropRate)
        {
            return;
        }
        var delivered = RoundTripCodec ? MessageCodec.RoundTrip(message) : message;
        Schedule(1 + Random.Next(MaxDelayMs), () => Deliver(delivered));
    }

    private void Deliver(RaftMessage message)
    {
        // A partition that started while the message was in flight drops it too.
        if (_blockedLinks.Contains((message.Source, message.Destination)) || !Nodes.TryGetValue(message.Destination, out var node) || node.Raft is null)
        {
            return;
        }
        node.Raft.Handle(message);
        node.Raft?.Poll();
    }

    private sealed class Network(SimulatedCluster cluster) : IRaftNetwork
    {
        public void Send(RaftMessage message) => cluster.Send(message);
    }
}

/// <summary>A node slot: what survives a crash (log, persisted election state) and what does not (the RaftNode).</summary>
internal sealed class SimNode
{
    public SimNode(int id, bool isVoter)
    {
        Id = id;
        IsVoter = isVoter;
        Log.Truncated = offset => Truncated?.Invoke(this, offset);
    }

    public int Id { get; }

    public bool IsVoter { get; }

    public MemoryRaftLog Log { get; } = new();

    public MemoryQuorumStateStore Store { get; } = new();

    public RaftNode? Raft { get; set; }

    public int Incarnation { get; set; }

    public bool Crashing { get; set; }

    public bool PermanentlyDown { get; set; }

    public Action<SimNode, long>? Truncated { get; set; }

    public override string ToString() => Raft?.ToString() ?? $"node {Id} down (log end {Log.EndOffset})";
}
