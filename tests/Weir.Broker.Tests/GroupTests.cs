using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Weir.Broker.Controller;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Tests;

/// <summary>Consumer groups through real clients: kafka-python, confluent-kafka and kcat against one in-process broker.</summary>
public sealed class GroupTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private static string NewTopic(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Kafka_python_members_share_partitions_rebalance_on_leave_and_consume_each_record_once()
    {
        var topic = NewTopic("kpg");
        var runtime = broker.Host.Services.GetRequiredService<BrokerRuntime>();
        var created = await runtime.Controller.CreateTopicAsync(new TopicCreation(topic, 6, 1, null, new Dictionary<string, string?>()), validateOnly: false);
        Assert.Equal(ErrorCode.None, created.Error);

        var result = await Python.RunAsync("kafka_python_group.py", broker.Bootstrap, topic);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var summary = JsonDocument.Parse(result.StdOut);
        var root = summary.RootElement;
        Assert.Equal(3, root.GetProperty("first_assignment").GetArrayLength());
        foreach (var member in root.GetProperty("first_assignment").EnumerateArray())
        {
            Assert.Equal(2, member.GetArrayLength());
        }

        Assert.Equal(2, root.GetProperty("second_assignment").GetArrayLength());
        Assert.Equal(600, root.GetProperty("group1_records").GetInt32());
        Assert.Equal(600, root.GetProperty("group2_records").GetInt32());
    }

    [Fact]
    public async Task Confluent_kafka_consumer_subscribes_consumes_commits_and_resumes()
    {
        var result = await Python.RunAsync("confluent_group.py", broker.Bootstrap, NewTopic("cfg"));
        Assert.True(result.ExitCode == 0, result.ToString());
        using var summary = JsonDocument.Parse(result.StdOut);
        Assert.Equal(100, summary.RootElement.GetProperty("first").GetInt32());
        Assert.Equal(10, summary.RootElement.GetProperty("second").GetInt32());
    }

    [Fact]
    public async Task Kcat_group_consumer_reads_everything_and_its_commits_are_visible_to_kafka_python()
    {
        var topic = NewTopic("kcg");
        var group = topic + "-group";
        var input = new StringBuilder();
        for (var i = 0; i < 200; i++)
        {
            input.Append('k').Append(i).Append('\t').Append('r').Append(i).Append('\n');
        }

        // Keyed, so the records spread over the partitions (null keys stick to one partition per batch).
        var produced = await ProcessRunner.RunAsync("kcat", ["-b", broker.Bootstrap, "-X", "broker.address.family=v4", "-P", "-K", "\t", "-t", topic], input.ToString());
        Assert.True(produced.ExitCode == 0, produced.ToString());

        var consumed = await GroupReads.KcatGroupAsync(broker.Bootstrap, group, topic);
        Assert.Equal(200, consumed.Length);
        Assert.Equal(200, consumed.Distinct().Count());

        var committed = await GroupReads.CommittedAsync(broker.Bootstrap, group, topic);
        var ends = await GroupReads.EndOffsetsAsync(broker.Bootstrap, topic);
        Assert.True(ends.Count(e => e > 0) > 1, "records should span several partitions");
        // A partition nothing was read from has nothing committed.
        Assert.Equal(ends, committed.Select(c => c ?? 0L));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public async Task FindCoordinator_names_this_broker_for_groups_at_every_version(short version)
    {
        using var connection = await RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);
        var request = new FindCoordinatorRequest();
        if (version < 4)
        {
            request.Key = "fc-group";
        }
        else
        {
            request.CoordinatorKeys = ["fc-group", "fc-other"];
        }

        var response = await connection.RequestAsync<FindCoordinatorResponse>(ApiKey.FindCoordinator, version, request);
        var port = broker.Host.BoundEndPoints[0].Port;
        if (version < 4)
        {
            Assert.Equal((short)ErrorCode.None, response.ErrorCode);
            Assert.Equal(1, response.NodeId);
            Assert.Equal(port, response.Port);
        }
        else
        {
            Assert.Equal(["fc-group", "fc-other"], response.Coordinators.Select(c => c.Key));
            Assert.All(response.Coordinators, c => Assert.Equal((short)ErrorCode.None, c.ErrorCode));
            Assert.All(response.Coordinators, c => Assert.Equal(port, c.Port));
        }

        var image = broker.Host.Services.GetRequiredService<BrokerRuntime>().Metadata.Image;
        var offsets = image.TopicsByName["__consumer_offsets"];
        Assert.Equal(50, offsets.Partitions.Length);
        Assert.Equal("compact", image.ConfigsOf(Metadata.ConfigResourceKind.Topic, "__consumer_offsets")["cleanup.policy"]);
    }

    [Fact]
    public async Task FindCoordinator_for_a_transactional_id_is_not_available_yet()
    {
        using var connection = await RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);
        var response = await connection.RequestAsync<FindCoordinatorResponse>(
            ApiKey.FindCoordinator, 4, new FindCoordinatorRequest { KeyType = 1, CoordinatorKeys = ["txn"] });
        Assert.Equal((short)ErrorCode.CoordinatorNotAvailable, Assert.Single(response.Coordinators).ErrorCode);
    }

    [Fact]
    public async Task OffsetCommit_answers_unknown_topic_or_partition_for_partitions_the_cluster_lacks_and_commits_the_rest()
    {
        var topic = NewTopic("oc");
        var runtime = broker.Host.Services.GetRequiredService<BrokerRuntime>();
        Assert.Equal(ErrorCode.None, (await runtime.Controller.CreateTopicAsync(new TopicCreation(topic, 1, 1, null, new Dictionary<string, string?>()), validateOnly: false)).Error);
        using var connection = await RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);
        await connection.RequestAsync<FindCoordinatorResponse>(ApiKey.FindCoordinator, 3, new FindCoordinatorRequest { Key = "oc-group" });

        var commit = new OffsetCommitRequest
        {
            GroupId = "oc-group",
            GenerationIdOrMemberEpoch = -1,
            Topics =
            [
                new OffsetCommitRequest.OffsetCommitRequestTopic
                {
                    Name = topic,
                    Partitions =
                    [
                        new OffsetCommitRequest.OffsetCommitRequestPartition { PartitionIndex = 0, CommittedOffset = 7 },
                        new OffsetCommitRequest.OffsetCommitRequestPartition { PartitionIndex = 1, CommittedOffset = 8 },
                    ],
                },
                new OffsetCommitRequest.OffsetCommitRequestTopic
                {
                    Name = "no-such-topic",
                    Partitions = [new OffsetCommitRequest.OffsetCommitRequestPartition { PartitionIndex = 0, CommittedOffset = 9 }],
                },
            ],
        };
        var response = await connection.RequestAsync<OffsetCommitResponse>(ApiKey.OffsetCommit, 8, commit);
        var errors = response.Topics.SelectMany(t => t.Partitions.Select(p => ($"{t.Name}:{p.PartitionIndex}", (ErrorCode)p.ErrorCode)))
            .ToDictionary(e => e.Item1, e => e.Item2);
        Assert.Equal(ErrorCode.None, errors[$"{topic}:0"]);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, errors[$"{topic}:1"]);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, errors["no-such-topic:0"]);
        Assert.Equal(3, errors.Count);

        var fetched = await connection.RequestAsync<OffsetFetchResponse>(ApiKey.OffsetFetch, 7, new OffsetFetchRequest
        {
            GroupId = "oc-group",
            Topics = [new OffsetFetchRequest.OffsetFetchRequestTopic { Name = topic, PartitionIndexes = [0] }],
        });
        Assert.Equal(7, Assert.Single(Assert.Single(fetched.Topics).Partitions).CommittedOffset);
    }
}
