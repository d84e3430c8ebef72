using System.Text;

namespace Weir.Raft.Tests.Simulation;

/// <summary>
/// One seeded run: a fault phase (drops, delays, partitions, crashes, resignations, client appends)
/// with the invariants checked after every event, then everything heals (every third seed with a minority of voters
/// dead for good) and the quorum must elect a leader and commit a new append, learned by every
/// live node, within a bound of simulated time.
/// </summary>
internal sealed class RaftScenario
{
    public const long FaultPhaseMs = 30_000;
    public const long LivenessBoundMs = 15_000;
    public const int MaxEvents = 400_000;

    private readonly SimulatedCluster _cluster;
    private readonly Invariants _invariants;
    private readonly int _seed;
    private int _appended;
    private long _faultStart;
    private string? _lastTrace;

    /// <summary>Told of every change of a node's role, epoch or leader (WEIR_RAFT_TRACE=1 with WEIR_RAFT_SEED).</summary>
    public Action<string>? Trace { get; set; }
    private long _events;

    public RaftScenario(int seed)
    {
        _seed = seed;
        // The seed picks the shape too, so one number replays a whole run.
        var shape = new Random(seed);
        var voters = 1 + (seed % 5);
        var observers = shape.Next(3);
        _cluster = new SimulatedCluster(seed, voters, observers, roundTripCodec: seed % 4 == 0);
        _invariants = new Invariants(_cluster);
    }

    public string Shape =>
        $"{_cluster.VoterIds.Length} voters, {_cluster.Nodes.Count - _cluster.VoterIds.Length} observers{(_cluster.RoundTripCodec ? ", wire codec" : "")}"
        + (_seed % 3 == 0 ? ", a minority of voters dead after the heal" : "");

    public long Events => _events;

    public long CommittedEnd => _invariants.CommittedEnd;

    public int MaxEpoch => _cluster.Nodes.Values.Max(n => n.Store.Read()?.Epoch ?? 0);

    public void Run()
    {
        var start = _cluster.NowMs;
        ScheduleFaults(start);
        ScheduleAppends();
        RunUntil(() => _cluster.NowMs - start >= FaultPhaseMs);
        Heal();
        var healedAt = _cluster.NowMs;
        // Liveness: a leader must appear and commit a record appended after the heal.
        RaftNode? leader = null;
        long target = -1;
        RunUntil(() =>
        {
            if (_cluster.NowMs - healedAt > LivenessBoundMs)
            {
                throw new InvariantViolation($"no commit within {LivenessBoundMs} ms after the faults healed: {DescribeFull()}");
            }
            if (leader is null || leader.Role != RaftRole.Leader || leader.Log.EndOffset <= target)
            {
                // No leader yet, or the one written to stepped down (a stale one may lead a lower epoch for a while).
                leader = CurrentLeader();
                target = leader?.Append([Encoding.UTF8.GetBytes($"after-heal-{_seed}")]).LastOffset ?? -1;
                return false;
            }
            // Committed on the leader, and learned by every live node, observers included.
            foreach (var node in _cluster.Nodes.Values)
            {
                if (node.Raft is { } raft && raft.HighWatermark <= target)
                {
                    return false;
                }
            }
            return true;
        });
    }

    private RaftNode? CurrentLeader()
    {
        RaftNode? best = null;
        foreach (var node in _cluster.Nodes.Values)
        {
            if (node.Raft is { Role: RaftRole.Leader } raft && (best is null || raft.Epoch > best.Epoch))
            {
                best = raft;
            }
        }
        return best;
    }

    private void RunUntil(Func<bool> done)
    {
        while (!done())
        {
            if (++_events > MaxEvents)
            {
                throw new InvariantViolation($"more than {MaxEvents} events");
            }
            if (!_cluster.Step())
            {
                throw new InvariantViolation("the event queue ran dry");
            }
            _invariants.Check();
            if (Trace is not null)
            {
                var now = Describe();
                if (now != _lastTrace)
                {
                    Trace($"{_cluster.NowMs - _faultStart,6} ms: {now}");
                    _lastTrace = now;
                }
            }
        }
    }

    private void ScheduleAppends()
    {
        void Append()
        {
            if (_cluster.NowMs - _faultStart >= FaultPhaseMs)
            {
                return;
            }
            // Every node that thinks it leads gets the write, as clients of a stale leader would try.
            foreach (var node in _cluster.Nodes.Values)
            {
                if (node.Raft is { Role: RaftRole.Leader } raft)
                {
                    raft.Append([Encoding.UTF8.GetBytes($"seed{_seed}-value{_appended++}")]);
                }
            }
            _cluster.Schedule(20 + _cluster.Random.Next(150), Append);
        }
        _cluster.Schedule(_cluster.Random.Next(100), Append);
    }

    private void ScheduleFaults(long start)
    {
        _faultStart = start;
        var random = _cluster.Random;
        var nodes = _cluster.Nodes.Values.ToArray();
        for (var at = 200 + random.Next(800); at < FaultPhaseMs - 500; at += 100 + random.Next(1200))
        {
            var kind = random.Next(7);
            var victim = nodes[random.Next(nodes.Length)];
            var duration = 200 + random.Next(2500);
            switch (kind)
            {
                case 0:
                    _cluster.Schedule(at, () => _cluster.Crash(victim));
                    _cluster.Schedule(at + duration, () => _cluster.Restart(victim));
                    break;
                case 1:
                    var side = new HashSet<int>();
                    foreach (var node in nodes)
                    {
                        if (random.Next(2) == 0)
                        {
                            side.Add(node.Id);
                        }
                    }
                    _cluster.Schedule(at, () => _cluster.Partition(side));
                    _cluster.Schedule(at + duration, _cluster.HealPartitions);
                    break;
                case 2:
                    _cluster.Schedule(at, () => _cluster.Partition([victim.Id]));
                    _cluster.Schedule(at + duration, _cluster.HealPartitions);
                    break;
                case 3:
                    var rate = random.NextDouble() * 0.3;
                    _cluster.Schedule(at, () => _cluster.DropRate = rate);
                    _cluster.Schedule(at + duration, () => _cluster.DropRate = 0);
                    break;
                case 4:
                    var delay = 5 + random.Next(200);
                    _cluster.Schedule(at, () => _cluster.MaxDelayMs = delay);
                    _cluster.Schedule(at + duration, () => _cluster.MaxDelayMs = 10);
                    break;
                case 5:
                    _cluster.Schedule(at, () => CurrentLeader()?.Resign());
                    break;
                default:
                    // A quick bounce while an election may be under way: what the persisted vote is for.
                    _cluster.Schedule(at, () => _cluster.Crash(victim));
                    _cluster.Schedule(at + 5 + random.Next(60), () => _cluster.Restart(victim));
                    break;
            }
        }
    }

    private void Heal()
    {
        _cluster.HealPartitions();
        _cluster.DropRate = 0;
        _cluster.MaxDelayMs = 10;
        // Every third seed keeps a minority of voters dead for good: the rest must still elect and commit.
        var keepDown = new HashSet<int>();
        if (_seed % 3 == 0)
        {
            var voters = _cluster.VoterIds.ToList();
            for (var i = 0; i < (voters.Count - 1) / 2; i++)
            {
                var victim = voters[_cluster.Random.Next(voters.Count)];
                voters.Remove(victim);
                keepDown.Add(victim);
            }
        }
        foreach (var node in _cluster.Nodes.Values)
        {
            if (keepDown.Contains(node.Id))
            {
                _cluster.Crash(node);
                node.PermanentlyDown = true; // a restart still scheduled by the fault phase must not revive it
            }
            else
            {
                _cluster.Restart(node);
            }
        }
    }

    public string Describe() => string.Join("; ", _cluster.Nodes.Values.Select(n => n.Raft is { } r ? $"{n.Id}:{r.Role}/{r.Epoch}/L{r.LeaderId}" : $"{n.Id}:down"));

    public string DescribeFull() => string.Join("; ", _cluster.Nodes.Values.Select(n => n.ToString()));
}
