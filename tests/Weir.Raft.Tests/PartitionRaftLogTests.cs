using Microsoft.Extensions.Time.Testing;
using Weir.Protocol.Records;
using Weir.Storage;
using Weir.Storage.Log;

namespace Weir.Raft.Tests;

/// <summary>The quorum on Weir.Storage's partition log and Kafka's quorum-state file: what the broker will run.</summary>
public sealed class PartitionRaftLogTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("weir-raft-log-");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private sealed class CrcValidator : IBatchValidator
    {
        public bool IsValid(ReadOnlySpan<byte> batch) => RecordBatch.Validate(batch) == RecordBatchError.None;
    }

    private PartitionLog Open(string name) =>
        PartitionLog.Open(Path.Combine(_dir.FullName, name), new TopicPartition("__cluster_metadata", 0), LogConfig.Default,
            new PartitionLogOptions { Validator = new CrcValidator(), Time = _time, HadCleanShutdown = false });

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void It_answers_as_the_memory_log_does()
    {
        using var leaderLog = Open("leader");
        var leader = new PartitionRaftLog(leaderLog);
        var memory = new MemoryRaftLog();
        foreach (var (epoch, value) in new[] { (1, "a"), (1, "b"), (3, "c") })
        {
            leader.AppendAsLeader(NodeHarness.Batch(0, epoch, value), epoch);
            memory.AppendAsLeader(NodeHarness.Batch(0, epoch, value), epoch);
        }
        Assert.Equal(memory.EndOffset, leader.EndOffset);
        Assert.Equal(3, leader.LastFetchedEpoch);
        foreach (var epoch in new[] { 1, 2, 3, 7 })
        {
            Assert.Equal(memory.EndOffsetForEpoch(epoch), leader.EndOffsetForEpoch(epoch));
        }
        leader.Flush();
        Assert.Equal(3, leader.FlushedEndOffset);

        using var followerLog = Open("follower");
        var follower = new PartitionRaftLog(followerLog);
        var all = leader.Read(0, 1 << 20);
        Assert.Equal(memory.Read(0, 1 << 20).ToArray(), all.ToArray());
        Assert.Equal(-1, follower.AppendAsFollower(leader.Read(1, 1 << 20))); // not at its end
        Assert.Equal(3, follower.AppendAsFollower(all));
        follower.TruncateTo(1);
        Assert.Equal(1, follower.EndOffset);
        Assert.Equal(1, follower.LastFetchedEpoch);
    }

    [Fact]
    public void A_single_voter_on_disk_elects_itself_commits_and_comes_back_after_a_restart()
    {
        var statePath = Path.Combine(_dir.FullName, FileQuorumStateStore.DefaultFileName);
        var options = new RaftOptions();
        var network = new NullNetwork();
        RaftNode node;
        using (var partition = Open("meta"))
        {
            node = new RaftNode(1, [1], new PartitionRaftLog(partition), new FileQuorumStateStore(statePath), network, _time, options, new Random(1));
            AdvanceAndPoll(node, 2001);
            Assert.Equal(RaftRole.Leader, node.Role);
            node.Append([new byte[] { 1, 2, 3 }]);
            node.Poll();
            Assert.Equal(2, node.HighWatermark);
            partition.Close();
        }
        Assert.Contains("\"leaderId\":1,\"leaderEpoch\":1,\"votedId\":1", File.ReadAllText(statePath), StringComparison.Ordinal);

        using (var partition = Open("meta"))
        {
            node = new RaftNode(1, [1], new PartitionRaftLog(partition), new FileQuorumStateStore(statePath), network, _time, options, new Random(2));
            Assert.Equal(RaftRole.Resigned, node.Role);
            Assert.Equal(2, node.Log.EndOffset);
            AdvanceAndPoll(node, 2001); // resigned -> prospective -> candidate -> leader of epoch 2
            AdvanceAndPoll(node, 1);
            Assert.Equal(RaftRole.Leader, node.Role);
            Assert.Equal(2, node.Epoch);
            Assert.Equal(3, node.HighWatermark);
        }
    }

    private void AdvanceAndPoll(RaftNode node, int ms)
    {
        _time.Advance(TimeSpan.FromMilliseconds(ms));
        node.Poll();
    }

    private sealed class NullNetwork : IRaftNetwork
    {
        public void Send(RaftMessage message) => throw new InvalidOperationException($"a single voter sends nothing, but sent {message}");
    }
}
