using Weir.Client.Cluster;
using Weir.Protocol;

namespace Weir.Client.Tests;

public sealed class KafkaClusterTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    [Fact]
    public async Task Metadata_for_all_topics_names_the_broker_and_cluster()
    {
        await using var cluster = new KafkaCluster(new ClientOptions { BootstrapServers = broker.Bootstrap });
        var metadata = await cluster.RefreshMetadataAsync(null);
        Assert.NotNull(metadata.ClusterId);
        var (nodeId, address) = Assert.Single(metadata.Brokers);
        Assert.Equal(broker.Host.BoundEndPoints[0].Port, address.Port);
        var connection = await cluster.GetConnectionAsync(nodeId);
        Assert.True(connection.Version(ApiKey.Fetch, 17) >= 12, "negotiated a flexible Fetch version");
        Assert.Equal(-1, connection.Version(ApiKey.LeaderAndIsr, 7));
    }

    [Fact]
    public async Task Auto_created_topic_gets_leaders_for_every_partition()
    {
        await using var cluster = new KafkaCluster(new ClientOptions { BootstrapServers = broker.Bootstrap });
        var topic = await cluster.GetTopicAsync("auto-" + Guid.NewGuid().ToString("N")[..8], allowAutoTopicCreation: true);
        Assert.Equal(4, topic.Partitions.Count);
        Assert.All(topic.Partitions, p => Assert.True(p.Leader >= 0));
    }

    [Fact]
    public async Task Unknown_topic_without_auto_creation_is_a_clear_error()
    {
        await using var cluster = new KafkaCluster(new ClientOptions { BootstrapServers = broker.Bootstrap });
        var error = await Assert.ThrowsAsync<KafkaException>(() => cluster.GetTopicAsync("no-such-topic-" + Guid.NewGuid().ToString("N")[..8]));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, error.ErrorCode);
        Assert.Contains("no-such-topic-", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nothing_listening_is_a_network_error_that_names_the_address()
    {
        await using var cluster = new KafkaCluster(new ClientOptions { BootstrapServers = "127.0.0.1:1", RequestTimeout = TimeSpan.FromSeconds(1) });
        var error = await Assert.ThrowsAsync<KafkaException>(() => cluster.RefreshMetadataAsync(null));
        Assert.Equal(ErrorCode.NetworkException, error.ErrorCode);
        Assert.Contains("127.0.0.1:1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Group_coordinator_is_found()
    {
        await using var cluster = new KafkaCluster(new ClientOptions { BootstrapServers = broker.Bootstrap });
        var nodeId = await cluster.FindCoordinatorAsync("g-" + Guid.NewGuid().ToString("N")[..8]);
        Assert.True(cluster.Metadata.Brokers.ContainsKey(nodeId));
    }
}
