using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Tests;

/// <summary>DescribeQuorum over the wire: the one-voter metadata quorum at every version, and Kafka's errors for other partitions.</summary>
public sealed class DescribeQuorumTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private Task<RawConnection> ConnectAsync() => RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);

    private static DescribeQuorumRequest For(string topic, params int[] partitions)
    {
        var request = new DescribeQuorumRequest();
        request.Topics.Add(new DescribeQuorumRequest.TopicData
        {
            TopicName = topic,
            Partitions = [.. partitions.Select(p => new DescribeQuorumRequest.PartitionData { PartitionIndex = p })],
        });
        return request;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task The_only_voter_leads_and_its_high_watermark_follows_each_commit(short version)
    {
        await using var client = await ConnectAsync();
        var nodeId = broker.Host.Config.NodeId;
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var first = await client.RequestAsync<DescribeQuorumResponse>(ApiKey.DescribeQuorum, version, For("__cluster_metadata", 0));
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        Assert.Equal(0, first.ErrorCode);
        var topic = Assert.Single(first.Topics);
        Assert.Equal("__cluster_metadata", topic.TopicName);
        var partition = Assert.Single(topic.Partitions);
        Assert.Equal(0, partition.PartitionIndex);
        Assert.Equal(0, partition.ErrorCode);
        Assert.Equal(nodeId, partition.LeaderId);
        Assert.Equal(0, partition.LeaderEpoch);
        Assert.True(partition.HighWatermark > 0, $"the broker's registration is committed, so the high watermark is past it: {partition.HighWatermark}");
        Assert.Empty(partition.Observers);
        var voter = Assert.Single(partition.CurrentVoters);
        Assert.Equal(nodeId, voter.ReplicaId);
        Assert.Equal(Guid.Empty, voter.ReplicaDirectoryId);
        Assert.Equal(partition.HighWatermark, voter.LogEndOffset);
        if (version >= 1)
        {
            Assert.InRange(voter.LastFetchTimestamp, before, after);
            Assert.InRange(voter.LastCaughtUpTimestamp, before, after);
        }
        else
        {
            Assert.Equal(-1, voter.LastFetchTimestamp);
            Assert.Equal(-1, voter.LastCaughtUpTimestamp);
        }

        if (version >= 2)
        {
            var node = Assert.Single(first.Nodes);
            Assert.Equal(nodeId, node.NodeId);
            var listener = Assert.Single(node.Listeners);
            Assert.Equal(("PLAINTEXT", "127.0.0.1", broker.Host.BoundEndPoints[0].Port), (listener.Name, listener.Host, (int)listener.Port));
        }
        else
        {
            Assert.Empty(first.Nodes);
        }

        // A new topic is one more committed batch: the high watermark and the voter's log end move together.
        var create = new CreateTopicsRequest { timeoutMs = 5000 };
        create.Topics.Add(new CreateTopicsRequest.CreatableTopic { Name = $"dq-{Guid.NewGuid():N}"[..12], NumPartitions = 1, ReplicationFactor = 1 });
        Assert.Equal(0, (await client.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, create)).Topics[0].ErrorCode);
        var second = (await client.RequestAsync<DescribeQuorumResponse>(ApiKey.DescribeQuorum, version, For("__cluster_metadata", 0))).Topics[0].Partitions[0];
        Assert.True(second.HighWatermark > partition.HighWatermark, $"{second.HighWatermark} after {partition.HighWatermark}");
        Assert.Equal(second.HighWatermark, second.CurrentVoters[0].LogEndOffset);
    }

    [Theory]
    [InlineData("orders", 0)]
    [InlineData("__cluster_metadata", 1)]
    public async Task Any_other_partition_is_unknown_on_each_partition_named(string topicName, int partitionIndex)
    {
        await using var client = await ConnectAsync();
        var response = await client.RequestAsync<DescribeQuorumResponse>(ApiKey.DescribeQuorum, 2, For(topicName, partitionIndex));

        Assert.Equal(0, response.ErrorCode);
        var topic = Assert.Single(response.Topics);
        Assert.Equal(topicName, topic.TopicName);
        var partition = Assert.Single(topic.Partitions);
        Assert.Equal(partitionIndex, partition.PartitionIndex);
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, partition.ErrorCode);
        Assert.Empty(partition.CurrentVoters);
        Assert.Empty(response.Nodes);
    }

    [Fact]
    public async Task Two_partitions_at_once_are_refused_even_when_one_is_the_metadata_partition()
    {
        await using var client = await ConnectAsync();
        var response = await client.RequestAsync<DescribeQuorumResponse>(ApiKey.DescribeQuorum, 2, For("__cluster_metadata", 0, 1));

        var partitions = Assert.Single(response.Topics).Partitions;
        Assert.Equal([0, 1], partitions.Select(p => p.PartitionIndex));
        Assert.All(partitions, p => Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, p.ErrorCode));
    }

    [Fact]
    public async Task ApiVersions_advertises_DescribeQuorum_0_to_2()
    {
        await using var client = await ConnectAsync();
        var versions = await client.RequestAsync<ApiVersionsResponse>(ApiKey.ApiVersions, 3, new ApiVersionsRequest { ClientSoftwareName = "weir-test", ClientSoftwareVersion = "1" });
        var range = Assert.Single(versions.ApiKeys, k => k.ApiKey == (short)ApiKey.DescribeQuorum);
        Assert.Equal((0, 2), (range.MinVersion, range.MaxVersion));
    }
}
