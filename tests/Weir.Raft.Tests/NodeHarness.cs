using System.Text;
using Microsoft.Extensions.Time.Testing;
using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Protocol.Records;

namespace Weir.Raft.Tests;

/// <summary>One RaftNode driven by hand: messages it sends are captured (with the persisted state at the moment of sending).</summary>
internal sealed class NodeHarness : IRaftNetwork
{
    public const string Topic = "__cluster_metadata";

    public NodeHarness(int nodeId, int[] voters, MemoryRaftLog? log = null, MemoryQuorumStateStore? store = null, int seed = 1)
    {
        Log = log ?? new MemoryRaftLog();
        Store = store ?? new MemoryQuorumStateStore();
        Node = new RaftNode(nodeId, voters, Log, Store, this, Time, Options, new Random(seed));
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public RaftOptions Options { get; } = new() { ClusterId = "test-cluster" };

    public MemoryRaftLog Log { get; }

    public MemoryQuorumStateStore Store { get; }

    public RaftNode Node { get; }

    public List<(RaftMessage Message, ElectionState? PersistedWhenSent)> Sent { get; } = [];

    public void Send(RaftMessage message) => Sent.Add((message, Store.Read()));

    public void Advance(int ms)
    {
        Time.Advance(TimeSpan.FromMilliseconds(ms));
        Node.Poll();
    }

    public T LastSent<T>(int destination)
        where T : class, IKafkaMessage =>
        (T)Sent.Last(s => s.Message.Destination == destination && s.Message.Body is T).Message.Body;

    public RaftMessage LastSentMessage<T>(int destination) =>
        Sent.Last(s => s.Message.Destination == destination && s.Message.Body is T).Message;

    public void Request(int from, ApiKey apiKey, short version, IKafkaMessage body)
    {
        Node.Handle(new RaftMessage(from, Node.NodeId, 1000 + Sent.Count, false, apiKey, version, body));
        Node.Poll();
    }

    /// <summary>Answers the last request of type T the node sent to <paramref name="from"/>.</summary>
    public void Respond<T>(int from, IKafkaMessage body)
    {
        var request = LastSentMessage<T>(from);
        Node.Handle(new RaftMessage(from, Node.NodeId, request.CorrelationId, true, request.ApiKey, request.Version, body));
        Node.Poll();
    }

    public void Vote(int candidate, int epoch, int lastEpoch, long lastOffset, bool preVote = false)
    {
        var partition = new VoteRequest.PartitionData { CandidateId = candidate, CandidateEpoch = epoch, LastOffsetEpoch = lastEpoch, LastOffset = lastOffset };
        if (preVote)
        {
            PreVote.Mark(partition);
        }
        Request(candidate, ApiKey.Vote, 1, new VoteRequest
        {
            ClusterId = "test-cluster",
            VoterId = Node.NodeId,
            Topics = [new VoteRequest.TopicData { TopicName = Topic, Partitions = [partition] }],
        });
    }

    public VoteResponse.PartitionData LastVoteResponse(int candidate) => LastSent<VoteResponse>(candidate).Topics[0].Partitions[0];

    public void BeginQuorumEpoch(int leader, int epoch) =>
        Request(leader, ApiKey.BeginQuorumEpoch, 1, new BeginQuorumEpochRequest
        {
            ClusterId = "test-cluster",
            VoterId = Node.NodeId,
            Topics = [new BeginQuorumEpochRequest.TopicData { TopicName = Topic, Partitions = [new BeginQuorumEpochRequest.PartitionData { LeaderId = leader, LeaderEpoch = epoch }] }],
        });

    public void Fetch(int replica, int epoch, long fetchOffset, int lastFetchedEpoch, int maxWaitMs = 0) =>
        Request(replica, ApiKey.Fetch, 17, new FetchRequest
        {
            ClusterId = "test-cluster",
            ReplicaState = new FetchRequest.ReplicaStateData { ReplicaId = replica },
            MaxWaitMs = maxWaitMs,
            Topics =
            [
                new FetchRequest.FetchTopic
                {
                    Topic = Topic,
                    TopicId = Options.TopicId,
                    Partitions = [new FetchRequest.FetchPartition { CurrentLeaderEpoch = epoch, FetchOffset = fetchOffset, LastFetchedEpoch = lastFetchedEpoch, PartitionMaxBytes = 1 << 20 }],
                },
            ],
        });

    public FetchResponse.PartitionData LastFetchResponse(int replica) => LastSent<FetchResponse>(replica).Responses[0].Partitions[0];

    /// <summary>A leader's fetch response carrying records, a high watermark, or a diverging epoch.</summary>
    public static FetchResponse FetchAnswer(int leader, int epoch, long highWatermark, ReadOnlyMemory<byte> records = default, (int Epoch, long EndOffset)? diverging = null)
    {
        var partition = new FetchResponse.PartitionData
        {
            HighWatermark = highWatermark,
            CurrentLeader = new FetchResponse.LeaderIdAndEpoch { LeaderId = leader, LeaderEpoch = epoch },
            Records = records,
        };
        if (diverging is { } d)
        {
            partition.DivergingEpoch.Epoch = d.Epoch;
            partition.DivergingEpoch.EndOffset = d.EndOffset;
        }
        return new FetchResponse { Responses = [new FetchResponse.FetchableTopicResponse { Topic = Topic, Partitions = [partition] }] };
    }

    public static VoteResponse VoteAnswer(int epoch, bool granted, int leaderId = -1) => new()
    {
        Topics = [new VoteResponse.TopicData { TopicName = Topic, Partitions = [new VoteResponse.PartitionData { LeaderEpoch = epoch, LeaderId = leaderId, VoteGranted = granted }] }],
    };

    /// <summary>A single-record data batch, as a leader of <paramref name="epoch"/> at <paramref name="baseOffset"/> writes it.</summary>
    public static byte[] Batch(long baseOffset, int epoch, string value)
    {
        using var builder = new RecordBatchBuilder { BaseOffset = baseOffset, PartitionLeaderEpoch = epoch };
        builder.Append(0, null, Encoding.UTF8.GetBytes(value));
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        builder.Build(output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>A log holding one record per epoch given, in order.</summary>
    public static MemoryRaftLog LogWithEpochs(params int[] epochs)
    {
        var log = new MemoryRaftLog();
        foreach (var epoch in epochs)
        {
            log.AppendAsLeader(Batch(0, epoch, $"e{epoch}"), epoch);
        }
        log.Flush();
        return log;
    }
}

internal static class NodeHarnessExtensions
{
    /// <summary>Takes a voter of [1,2,3] from waiting to leading: election timeout, a pre-vote and a vote granted by node 2.</summary>
    public static void ElectLeader(this NodeHarness h)
    {
        h.Advance((2 * h.Options.ElectionTimeoutMs) + 1);
        h.Node.Poll();
        Assert.Equal(RaftRole.Prospective, h.Node.Role);
        h.Respond<VoteRequest>(2, NodeHarness.VoteAnswer(h.Node.Epoch, granted: true));
        Assert.Equal(RaftRole.Candidate, h.Node.Role);
        h.Respond<VoteRequest>(2, NodeHarness.VoteAnswer(h.Node.Epoch, granted: true));
        Assert.Equal(RaftRole.Leader, h.Node.Role);
        h.Node.Poll();
    }
}
