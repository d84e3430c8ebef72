using Weir.Client.Cluster;
using Weir.Protocol;

namespace Weir.Client.Tests;

public sealed class OffsetsApiTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    [Fact]
    public async Task Earliest_latest_and_max_timestamp_follow_what_was_produced()
    {
        var topic = "offsets-" + Guid.NewGuid().ToString("N")[..8];
        var lines = string.Join('\n', Enumerable.Range(0, 10).Select(i => $"v{i}")) + "\n";
        var kcat = await ProcessRunner.RunAsync("kcat", ["-P", "-b", broker.Bootstrap, "-t", topic, "-p", "1"], lines);
        Assert.True(kcat.ExitCode == 0, kcat.ToString());

        await using var cluster = new KafkaCluster(new ClientOptions { BootstrapServers = broker.Bootstrap });
        var p0 = new TopicPartition(topic, 0);
        var p1 = new TopicPartition(topic, 1);
        var latest = await cluster.ListOffsetsAsync(new Dictionary<TopicPartition, long> { [p0] = OffsetsApi.Latest, [p1] = OffsetsApi.Latest });
        var earliest = await cluster.ListOffsetsAsync(new Dictionary<TopicPartition, long> { [p1] = OffsetsApi.Earliest });
        var max = await cluster.ListOffsetsAsync(new Dictionary<TopicPartition, long> { [p1] = OffsetsApi.MaxTimestamp });

        Assert.Equal(new ListedOffset(0, -1, latest[p0].LeaderEpoch, ErrorCode.None), latest[p0]);
        Assert.Equal(10, latest[p1].Offset);
        Assert.Equal(0, earliest[p1].Offset);
        Assert.Equal(ErrorCode.None, max[p1].Error);
        Assert.InRange(max[p1].Offset, 0, 9);
    }

    [Fact]
    public async Task Unknown_partition_is_an_error_value()
    {
        var topic = "offsets-" + Guid.NewGuid().ToString("N")[..8];
        await using var cluster = new KafkaCluster(new ClientOptions { BootstrapServers = broker.Bootstrap });
        await cluster.GetTopicAsync(topic, allowAutoTopicCreation: true);
        var result = await cluster.ListOffsetsAsync(new Dictionary<TopicPartition, long> { [new TopicPartition(topic, 99)] = OffsetsApi.Latest });
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, result[new TopicPartition(topic, 99)].Error);
    }

    [Fact]
    public async Task Committed_offsets_are_fetched_back_and_absent_ones_are_missing()
    {
        var topic = "commits-" + Guid.NewGuid().ToString("N")[..8];
        var group = "g-" + Guid.NewGuid().ToString("N")[..8];
        await using var cluster = new KafkaCluster(new ClientOptions { BootstrapServers = broker.Bootstrap });
        await cluster.GetTopicAsync(topic, allowAutoTopicCreation: true);

        var errors = await cluster.CommitOffsetsAsync(group, new Dictionary<TopicPartition, OffsetAndMetadata>
        {
            [new TopicPartition(topic, 0)] = new(42, "meta"),
            [new TopicPartition(topic, 2)] = new(7),
        });
        Assert.All(errors.Values, e => Assert.Equal(ErrorCode.None, e));

        var some = await cluster.FetchCommittedOffsetsAsync(group, [new TopicPartition(topic, 0), new TopicPartition(topic, 1)]);
        var all = await cluster.FetchCommittedOffsetsAsync(group, null);

        Assert.Equal(new OffsetAndMetadata(42, "meta", some[new TopicPartition(topic, 0)].LeaderEpoch), some[new TopicPartition(topic, 0)]);
        Assert.False(some.ContainsKey(new TopicPartition(topic, 1)));
        Assert.Equal(2, all.Count);
        Assert.Equal(7, all[new TopicPartition(topic, 2)].Offset);
    }
}
