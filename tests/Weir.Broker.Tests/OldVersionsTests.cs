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

    [Fact]
    public async Task Metadata_every_version_describes_a_topic_and_v0_empty_topics_means_all()
    {
        var topic = await CreateTopicAsync([]);
        using var connection = await ConnectAsync();
        for (short v = 0; v <= 12; v++)
        {
            var response = await connection.RequestAsync<MetadataResponse>(ApiKey.Metadata, v, new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = topic }] });
            var described = Assert.Single(response.Topics);
            Assert.Equal(0, described.ErrorCode);
            Assert.Equal(topic, described.Name);
            Assert.Single(described.Partitions);
            Assert.NotEmpty(response.Brokers);
        }

        var all = await connection.RequestAsync<MetadataResponse>(ApiKey.Metadata, 0, new MetadataRequest { Topics = [] });
        Assert.Contains(all.Topics, t => t.Name == topic);
        var none = await connection.RequestAsync<MetadataResponse>(ApiKey.Metadata, 1, new MetadataRequest { Topics = [] });
        Assert.Empty(none.Topics);
    }

    [Fact]
    public async Task Offsets_committed_at_every_OffsetCommit_version_are_fetched_at_every_OffsetFetch_version()
    {
        var topic = await CreateTopicAsync([]);
        using var connection = await ConnectAsync();
        for (short commitVersion = 0; commitVersion <= 9; commitVersion++)
        {
            var group = $"g-v{commitVersion}-{Guid.NewGuid():N}"[..16];
            await WaitForCoordinatorAsync(connection, group);
            var partition = new OffsetCommitRequest.OffsetCommitRequestPartition { PartitionIndex = 0, CommittedOffset = 100 + commitVersion, CommittedMetadata = "m" };
            var commit = new OffsetCommitRequest { GroupId = group, Topics = [new OffsetCommitRequest.OffsetCommitRequestTopic { Name = topic, Partitions = [partition] }] };
            if (commitVersion == 1)
            {
                partition.CommitTimestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            }

            if (commitVersion is >= 2 and <= 4)
            {
                commit.RetentionTimeMs = 3_600_000;
            }

            var committed = await connection.RequestAsync<OffsetCommitResponse>(ApiKey.OffsetCommit, commitVersion, commit);
            Assert.Equal(0, Assert.Single(Assert.Single(committed.Topics).Partitions).ErrorCode);

            for (short fetchVersion = 0; fetchVersion <= 9; fetchVersion++)
            {
                var fetched = await FetchOffsetAsync(connection, group, topic, fetchVersion);
                Assert.True(fetched == 100 + commitVersion, $"OffsetCommit v{commitVersion} then OffsetFetch v{fetchVersion}: {fetched}");
            }
        }
    }

    private async Task WaitForCoordinatorAsync(RawConnection connection, string group)
    {
        // FindCoordinator v0 (no key type: a group) until the group's __consumer_offsets partition is loaded.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var response = await connection.RequestAsync<FindCoordinatorResponse>(ApiKey.FindCoordinator, 0, new FindCoordinatorRequest { Key = group });
            if (response.ErrorCode == 0)
            {
                Assert.Equal(broker.Host.BoundEndPoints[0].Port, response.Port);
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"FindCoordinator v0: error {response.ErrorCode}");
            await Task.Delay(50);
        }
    }

    private static async Task<long> FetchOffsetAsync(RawConnection connection, string group, string topic, short version)
    {
        if (version >= 8)
        {
            var batched = await connection.RequestAsync<OffsetFetchResponse>(ApiKey.OffsetFetch, version, new OffsetFetchRequest
            {
                Groups = [new OffsetFetchRequest.OffsetFetchRequestGroup { GroupId = group, Topics = [new OffsetFetchRequest.OffsetFetchRequestTopics { Name = topic, PartitionIndexes = [0] }] }],
            });
            var g = Assert.Single(batched.Groups);
            Assert.Equal(0, g.ErrorCode);
            var p = Assert.Single(Assert.Single(g.Topics).Partitions);
            Assert.Equal(0, p.ErrorCode);
            return p.CommittedOffset;
        }

        var response = await connection.RequestAsync<OffsetFetchResponse>(ApiKey.OffsetFetch, version, new OffsetFetchRequest
        {
            GroupId = group,
            Topics = [new OffsetFetchRequest.OffsetFetchRequestTopic { Name = topic, PartitionIndexes = [0] }],
        });
        Assert.Equal(0, response.ErrorCode);
        var partition = Assert.Single(Assert.Single(response.Topics).Partitions);
        Assert.Equal(0, partition.ErrorCode);
        return partition.CommittedOffset;
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
