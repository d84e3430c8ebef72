using Microsoft.Extensions.DependencyInjection;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Tests;

/// <summary>
/// A partition this broker hosts but does not lead: Produce and Fetch answer NOT_LEADER_OR_FOLLOWER
/// with KIP-951's current leader (Produce v10+, Fetch v16+), and older versions without it. And
/// acks=-1 on a leader whose ISR has a follower: answered when the follower's fetch commits the batch.
/// </summary>
public sealed class NotLeaderTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const int OtherBroker = 7;

    [Fact]
    public async Task Produce_and_fetch_on_a_follower_name_the_current_leader()
    {
        await using var client = await RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);
        const string topic = "led-elsewhere";
        var created = await client.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest
        {
            timeoutMs = 5000,
            Topics = [new CreateTopicsRequest.CreatableTopic { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }],
        });
        Assert.Equal(0, Assert.Single(created.Topics).ErrorCode);
        var topicId = Assert.Single(created.Topics).TopicId;

        // As if the controller had moved leadership to another broker (this one stays a replica).
        var partition = broker.Host.Services.GetRequiredService<BrokerRuntime>().Replicas.Get(topic, 0)!;
        var epoch = partition.LeaderEpoch + 1;
        partition.MakeFollower(OtherBroker, epoch, partition.PartitionEpoch + 1, [broker.Host.Config.NodeId, OtherBroker], [broker.Host.Config.NodeId, OtherBroker]);

        var produced = await client.RequestAsync<ProduceResponse>(ApiKey.Produce, 11, Produce(topic));
        var answer = Assert.Single(Assert.Single(produced.Responses).PartitionResponses);
        Assert.Equal((short)ErrorCode.NotLeaderOrFollower, answer.ErrorCode);
        Assert.Equal((OtherBroker, epoch), (answer.CurrentLeader.LeaderId, answer.CurrentLeader.LeaderEpoch));
        Assert.Empty(produced.NodeEndpoints); // broker 7 has no registration to point to
        Assert.Equal(0, partition.LogEndOffset);

        // v9 has no such field: the plain error.
        var old = await client.RequestAsync<ProduceResponse>(ApiKey.Produce, 9, Produce(topic));
        var oldAnswer = Assert.Single(Assert.Single(old.Responses).PartitionResponses);
        Assert.Equal((short)ErrorCode.NotLeaderOrFollower, oldAnswer.ErrorCode);
        Assert.Equal(-1, oldAnswer.CurrentLeader.LeaderId);

        var fetched = await client.RequestAsync<FetchResponse>(ApiKey.Fetch, 16, Fetch(topicId, currentLeaderEpoch: -1));
        var data = Assert.Single(Assert.Single(fetched.Responses).Partitions);
        Assert.Equal((short)ErrorCode.NotLeaderOrFollower, data.ErrorCode);
        Assert.Equal((OtherBroker, epoch), (data.CurrentLeader.LeaderId, data.CurrentLeader.LeaderEpoch));

        // An older epoch is fenced, and told the current one too.
        var fenced = await client.RequestAsync<FetchResponse>(ApiKey.Fetch, 16, Fetch(topicId, currentLeaderEpoch: epoch - 1));
        var fencedData = Assert.Single(Assert.Single(fenced.Responses).Partitions);
        Assert.Equal((short)ErrorCode.FencedLeaderEpoch, fencedData.ErrorCode);
        Assert.Equal(epoch, fencedData.CurrentLeader.LeaderEpoch);

        var oldFetch = await client.RequestAsync<FetchResponse>(ApiKey.Fetch, 15, Fetch(topicId, currentLeaderEpoch: -1));
        var oldData = Assert.Single(Assert.Single(oldFetch.Responses).Partitions);
        Assert.Equal((short)ErrorCode.NotLeaderOrFollower, oldData.ErrorCode);
        Assert.Equal(-1, oldData.CurrentLeader.LeaderId);
    }

    [Fact]
    public async Task An_acks_all_produce_is_answered_when_a_follower_fetch_commits_it_or_at_its_timeout()
    {
        await using var client = await RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);
        await using var follower = await RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);
        const string topic = "acks-all";
        var created = await client.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest
        {
            timeoutMs = 5000,
            Topics =
            [
                new CreateTopicsRequest.CreatableTopic
                {
                    Name = topic,
                    NumPartitions = 1,
                    ReplicationFactor = 1,
                    Configs = [new CreateTopicsRequest.CreatableTopicConfig { Name = "min.insync.replicas", Value = "2" }],
                },
            ],
        });
        Assert.Equal(0, Assert.Single(created.Topics).ErrorCode);
        var topicId = Assert.Single(created.Topics).TopicId;
        var partition = broker.Host.Services.GetRequiredService<BrokerRuntime>().Replicas.Get(topic, 0)!;
        var self = broker.Host.Config.NodeId;

        // Alone in the ISR, below min.insync.replicas: refused before anything is written.
        var refused = await client.RequestAsync<ProduceResponse>(ApiKey.Produce, 11, Produce(topic));
        Assert.Equal((short)ErrorCode.NotEnoughReplicas, Assert.Single(Assert.Single(refused.Responses).PartitionResponses).ErrorCode);
        Assert.Equal(0, partition.LogEndOffset);

        // As if broker 7 had joined the ISR.
        partition.MakeLeader(partition.LeaderEpoch + 1, partition.PartitionEpoch + 1, [self, OtherBroker], [self, OtherBroker]);
        var pending = client.RequestAsync<ProduceResponse>(ApiKey.Produce, 11, Produce(topic, timeoutMs: 60_000));
        await WaitUntilAsync(() => partition.LogEndOffset == 2);
        Assert.Equal(0, partition.HighWatermark);
        Assert.False(pending.IsCompleted);

        // Broker 7 fetches from offset 2: it has both records, so they are committed and the produce answered.
        var fetch = Fetch(topicId, currentLeaderEpoch: partition.LeaderEpoch, fetchOffset: 2);
        fetch.ReplicaState = new FetchRequest.ReplicaStateData { ReplicaId = OtherBroker, ReplicaEpoch = -1 };
        var fetched = await follower.RequestAsync<FetchResponse>(ApiKey.Fetch, 17, fetch);
        Assert.Equal(0, Assert.Single(Assert.Single(fetched.Responses).Partitions).ErrorCode);
        var produced = await pending.WaitAsync(TimeSpan.FromSeconds(30));
        var answer = Assert.Single(Assert.Single(produced.Responses).PartitionResponses);
        Assert.Equal((0, 0L), (answer.ErrorCode, answer.BaseOffset));
        Assert.Equal(2, partition.HighWatermark);

        // Nobody fetches the next batch: the request timeout answers it, the records stay in the log.
        var timedOut = await client.RequestAsync<ProduceResponse>(ApiKey.Produce, 11, Produce(topic, timeoutMs: 300)).WaitAsync(TimeSpan.FromSeconds(30));
        var late = Assert.Single(Assert.Single(timedOut.Responses).PartitionResponses);
        Assert.Equal(((short)ErrorCode.RequestTimedOut, 2L), (late.ErrorCode, late.BaseOffset));
        Assert.Equal(4, partition.LogEndOffset);
        Assert.Equal(2, partition.HighWatermark);

        // acks=1 does not wait for the ISR.
        var leaderOnly = Produce(topic);
        leaderOnly.Acks = 1;
        var acked = await client.RequestAsync<ProduceResponse>(ApiKey.Produce, 11, leaderOnly);
        Assert.Equal(0, Assert.Single(Assert.Single(acked.Responses).PartitionResponses).ErrorCode);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 30 s");
            await Task.Delay(10);
        }
    }

    private static ProduceRequest Produce(string topic, int timeoutMs = 5000) => new()
    {
        Acks = -1,
        TimeoutMs = timeoutMs,
        TopicData =
        [
            new ProduceRequest.TopicProduceData
            {
                Name = topic,
                PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = TestBatches.Build(2) }],
            },
        ],
    };

    private static FetchRequest Fetch(Guid topicId, int currentLeaderEpoch, long fetchOffset = 0) => new()
    {
        MaxWaitMs = 0,
        MinBytes = 1,
        MaxBytes = 1 << 20,
        SessionEpoch = -1,
        Topics =
        [
            new FetchRequest.FetchTopic
            {
                TopicId = topicId,
                Partitions = [new FetchRequest.FetchPartition { Partition = 0, FetchOffset = fetchOffset, PartitionMaxBytes = 1 << 20, LogStartOffset = -1, CurrentLeaderEpoch = currentLeaderEpoch }],
            },
        ],
    };
}
