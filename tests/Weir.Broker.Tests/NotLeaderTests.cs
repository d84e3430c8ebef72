using Microsoft.Extensions.DependencyInjection;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Tests;

/// <summary>
/// A partition this broker hosts but does not lead: Produce and Fetch answer NOT_LEADER_OR_FOLLOWER
/// with KIP-951's current leader (Produce v10+, Fetch v16+), and older versions without it.
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

    private static ProduceRequest Produce(string topic) => new()
    {
        Acks = -1,
        TimeoutMs = 5000,
        TopicData =
        [
            new ProduceRequest.TopicProduceData
            {
                Name = topic,
                PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = TestBatches.Build(2) }],
            },
        ],
    };

    private static FetchRequest Fetch(Guid topicId, int currentLeaderEpoch) => new()
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
                Partitions = [new FetchRequest.FetchPartition { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20, LogStartOffset = -1, CurrentLeaderEpoch = currentLeaderEpoch }],
            },
        ],
    };
}
