using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Tests;

/// <summary>Old request versions that Kafka 4.0 removed and Weir serves as Kafka 3.x did, sent raw through the generated codecs.</summary>
public sealed class OldVersionsTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private Task<RawConnection> ConnectAsync() => RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);

    [Fact]
    public async Task ListOffsets_v0_answers_segment_boundaries_newest_first_up_to_max_num_offsets()
    {
        // A segment holds one batch but not two, so each gets its own: segments at 0, 2 and 4, end offset 6.
        var batchSize = TestBatches.Build(2, "s0").Length;
        var topic = await CreateTopicAsync(new() { ["segment.bytes"] = (batchSize * 3 / 2).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        using var connection = await ConnectAsync();
        for (var i = 0; i < 3; i++)
        {
            var produced = await connection.RequestAsync<ProduceResponse>(ApiKey.Produce, 9, new ProduceRequest
            {
                Acks = -1,
                TimeoutMs = 5000,
                TopicData = [new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = TestBatches.Build(2, "s" + i) }] }],
            });
            Assert.Equal(0, produced.Responses[0].PartitionResponses[0].ErrorCode);
        }

        Assert.Equal(new long[] { 6, 4, 2, 0 }, await OffsetsAsync(connection, topic, -1, 10));
        Assert.Equal(new long[] { 6, 4 }, await OffsetsAsync(connection, topic, -1, 2));
        Assert.Equal(new long[] { 0 }, await OffsetsAsync(connection, topic, -2, 1));
        Assert.Equal(new long[] { 6, 4, 2, 0 }, await OffsetsAsync(connection, topic, DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds(), 10));
        // Every segment was written just now: none was last modified before 2001.
        Assert.Empty(await OffsetsAsync(connection, topic, 1_000_000_000_000, 10));

        var unknown = await connection.RequestAsync<ListOffsetsResponse>(ApiKey.ListOffsets, 0, Request("no-such-topic-v0", -1, 1));
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, unknown.Topics[0].Partitions[0].ErrorCode);
        Assert.Empty(unknown.Topics[0].Partitions[0].OldStyleOffsets);
    }

    private static ListOffsetsRequest Request(string topic, long timestamp, int maxNumOffsets) => new()
    {
        ReplicaId = -1,
        Topics = [new ListOffsetsRequest.ListOffsetsTopic { Name = topic, Partitions = [new ListOffsetsRequest.ListOffsetsPartition { PartitionIndex = 0, Timestamp = timestamp, MaxNumOffsets = maxNumOffsets }] }],
    };

    private static async Task<long[]> OffsetsAsync(RawConnection connection, string topic, long timestamp, int maxNumOffsets)
    {
        var response = await connection.RequestAsync<ListOffsetsResponse>(ApiKey.ListOffsets, 0, Request(topic, timestamp, maxNumOffsets));
        var partition = Assert.Single(Assert.Single(response.Topics).Partitions);
        Assert.Equal(0, partition.ErrorCode);
        return [.. partition.OldStyleOffsets];
    }

    private async Task<string> CreateTopicAsync(Dictionary<string, string> configs)
    {
        var name = "v0-" + Guid.NewGuid().ToString("N")[..8];
        using var connection = await ConnectAsync();
        var topic = new CreateTopicsRequest.CreatableTopic { Name = name, NumPartitions = 1, ReplicationFactor = 1 };
        foreach (var (k, v) in configs)
        {
            topic.Configs.Add(new CreateTopicsRequest.CreatableTopicConfig { Name = k, Value = v });
        }

        var response = await connection.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest { Topics = [topic], timeoutMs = 5000 });
        Assert.Equal(0, Assert.Single(response.Topics).ErrorCode);
        return name;
    }
}
