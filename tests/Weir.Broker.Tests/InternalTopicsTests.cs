using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Weir.Client;
using Weir.Client.Admin;
using Weir.Protocol;
using Weir.Protocol.Messages;
using ClientTopicPartition = Weir.Client.TopicPartition;

namespace Weir.Broker.Tests;

/// <summary>
/// __consumer_offsets belongs to the group coordinator: clients cannot produce to it, delete its
/// records (both refused as Kafka refuses them, INVALID_TOPIC_EXCEPTION) or delete it; and nobody
/// can create a topic named like the metadata log.
/// </summary>
public sealed class InternalTopicsTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const string OffsetsTopic = "__consumer_offsets";
    private const string DeletionRefused = "Topic __consumer_offsets is a kafka internal topic and is not allowed to be marked for deletion.";

    private BrokerRuntime Runtime => broker.Host.Services.GetRequiredService<BrokerRuntime>();

    private KafkaAdminClient NewAdmin() => new(new AdminOptions { BootstrapServers = broker.Bootstrap, DefaultApiTimeout = TimeSpan.FromSeconds(20) });

    /// <summary>Commits an offset (which creates __consumer_offsets) and returns the group.</summary>
    private async Task<string> CommitAsync(KafkaAdminClient admin, string topic)
    {
        var group = "g-" + Guid.NewGuid().ToString("N")[..8];
        await admin.CreateTopicAsync(new NewTopic(topic, 1, 1));
        var tp = new ClientTopicPartition(topic, 0);
        var committed = await admin.AlterGroupOffsetsAsync(group, new Dictionary<ClientTopicPartition, OffsetAndMetadata> { [tp] = new(3) });
        Assert.Equal(ErrorCode.None, committed[tp]);
        return group;
    }

    [Fact]
    public async Task Real_clients_cannot_delete_or_produce_to_consumer_offsets_and_the_offsets_stay()
    {
        await using var admin = NewAdmin();
        var topic = "it-" + Guid.NewGuid().ToString("N")[..8];
        var group = await CommitAsync(admin, topic);

        var python = await Python.RunAsync("internal_topics.py", broker.Bootstrap, OffsetsTopic);
        Assert.True(python.ExitCode == 0, python.ToString());
        using var json = JsonDocument.Parse(python.StdOut);
        var confluentDelete = json.RootElement.GetProperty("confluent_delete");
        // librdkafka's name for INVALID_TOPIC_EXCEPTION (17); its DeleteTopics v1 carries no message.
        Assert.Equal("TOPIC_EXCEPTION", confluentDelete.GetProperty("code").GetString());
        Assert.Equal("InvalidTopicError", json.RootElement.GetProperty("kafka_python_delete").GetProperty("error").GetString());
        var produced = Assert.Single(json.RootElement.GetProperty("confluent_produce").EnumerateArray());
        Assert.Equal("TOPIC_EXCEPTION", produced.GetProperty("code").GetString());

        var kcat = await ProcessRunner.RunAsync("kcat", ["-b", broker.Bootstrap, "-X", "broker.address.family=v4", "-P", "-t", OffsetsTopic, "-p", "0"], "forged\n");
        Assert.Contains("Broker: Invalid topic", kcat.StdErr, StringComparison.Ordinal);

        var tool = await ProcessRunner.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "weir.dll"), "topics", "--bootstrap-server", broker.Bootstrap, "--delete", "--topic", OffsetsTopic]);
        Assert.Equal(1, tool.ExitCode);
        Assert.Equal("Error while executing topic command : " + DeletionRefused, tool.StdOut.Trim());

        var deleted = await admin.DeleteRecordsAsync(new Dictionary<ClientTopicPartition, long> { [new ClientTopicPartition(OffsetsTopic, 0)] = -1 });
        Assert.Equal(ErrorCode.InvalidTopicException, deleted[new ClientTopicPartition(OffsetsTopic, 0)].Error);

        Assert.Contains(await admin.ListTopicsAsync(includeInternal: true), t => t.Name == OffsetsTopic && t.IsInternal);
        Assert.Equal(3, (await admin.ListGroupOffsetsAsync(group))[new ClientTopicPartition(topic, 0)].Offset);
        Assert.Equal(0, Runtime.Replicas.Get(OffsetsTopic, 0)!.Log.LogStartOffset);
    }

    [Fact]
    public async Task Only_kafkas_admin_client_id_may_produce_to_an_internal_topic()
    {
        // __transaction_state is internal too (Weir has no transactions yet, but anyone may create it).
        const string internalTopic = "__transaction_state";
        await using var admin = NewAdmin();
        await admin.CreateTopicAsync(new NewTopic(internalTopic, 1, 1));
        var log = Runtime.Replicas.Get(internalTopic, 0)!.Log;

        var refused = await ProcessRunner.RunAsync("kcat", ["-b", broker.Bootstrap, "-X", "broker.address.family=v4", "-P", "-t", internalTopic, "-p", "0"], "k:v\n");
        Assert.Contains("Broker: Invalid topic", refused.StdErr, StringComparison.Ordinal);
        Assert.Equal(0, log.LogEndOffset);

        var admitted = await ProcessRunner.RunAsync("kcat", ["-b", broker.Bootstrap, "-X", "broker.address.family=v4", "-X", "client.id=__admin_client", "-P", "-t", internalTopic, "-p", "0"], "k:v\n");
        Assert.True(admitted.ExitCode == 0 && admitted.StdErr.Length == 0, admitted.ToString());
        Assert.Equal(1, log.LogEndOffset);
    }

    [Fact]
    public async Task A_topic_named_like_the_metadata_log_is_refused_by_CreateTopics_and_auto_creation()
    {
        await using var client = await RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);
        var request = new CreateTopicsRequest { timeoutMs = 5000 };
        request.Topics.Add(new CreateTopicsRequest.CreatableTopic { Name = "__cluster_metadata", NumPartitions = 1, ReplicationFactor = 1 });
        var response = await client.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, request);
        Assert.Equal((short)ErrorCode.InvalidRequest, response.Topics[0].ErrorCode);
        Assert.Equal("Creation of internal topic __cluster_metadata is prohibited.", response.Topics[0].ErrorMessage);

        // kcat's metadata request asks for auto-creation.
        await ProcessRunner.RunAsync("kcat", ["-b", broker.Bootstrap, "-X", "broker.address.family=v4", "-L", "-t", "__cluster_metadata"]);
        Assert.DoesNotContain("__cluster_metadata", Runtime.Metadata.Image.TopicsByName.Keys);
    }
}
