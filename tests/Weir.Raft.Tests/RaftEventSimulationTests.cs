using System.Diagnostics;
using Weir.Raft.Tests.Simulation;
using Xunit.Abstractions;

namespace Weir.Raft.Tests;

/// <summary>
/// Many seeded runs of <see cref="RaftScenario"/>: 1–5 voters (seed % 5 + 1) and 0–2 observers, every
/// fourth seed with each message encoded and decoded at its wire version. A failing seed names itself;
/// WEIR_RAFT_SEED=n runs only that one; WEIR_RAFT_SEEDS_PER_GROUP=n (default 60) runs more for a soak.
/// </summary>
public sealed class RaftEventSimulationTests(ITestOutputHelper output)
{
    private static readonly int SeedsPerGroup =
        int.TryParse(Environment.GetEnvironmentVariable("WEIR_RAFT_SEEDS_PER_GROUP"), out var n) && n > 0 ? n : 60;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Invariants_hold_and_the_quorum_recovers(int group)
    {
        var only = Environment.GetEnvironmentVariable("WEIR_RAFT_SEED");
        if (only is not null)
        {
            // Replay: one seed, once (in the first group), with its event count printed.
            if (group == 0)
            {
                var trace = Environment.GetEnvironmentVariable("WEIR_RAFT_TRACE") == "1" ? output.WriteLine : (Action<string>?)null;
                var replayed = RunSeed(int.Parse(only, System.Globalization.CultureInfo.InvariantCulture), trace);
                output.WriteLine($"seed {only} ({replayed.Shape}): {replayed.Events} events, {replayed.CommittedEnd} committed offsets, epoch {replayed.MaxEpoch}");
            }
            return;
        }
        var watch = Stopwatch.StartNew();
        long events = 0, committed = 0, epochs = 0;
        for (var seed = group * SeedsPerGroup; seed < (group + 1) * SeedsPerGroup; seed++)
        {
            var scenario = RunSeed(seed);
            events += scenario.Events;
            committed += scenario.CommittedEnd;
            epochs += scenario.MaxEpoch;
        }
        output.WriteLine($"{SeedsPerGroup} seeds, {events} events, {committed} committed offsets, {epochs} epochs in {watch.ElapsedMilliseconds} ms");
    }

    private static RaftScenario RunSeed(int seed, Action<string>? trace = null)
    {
        var scenario = new RaftScenario(seed) { Trace = trace };
        try
        {
            scenario.Run();
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException(
                $"seed {seed} failed ({scenario.Shape}) after {scenario.Events} events: {e.Message}\n" +
                $"state: {scenario.DescribeFull()}\nreplay with WEIR_RAFT_SEED={seed}\n{e}");
        }
        return scenario;
    }
}
