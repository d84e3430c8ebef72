using System.Diagnostics;
using Weir.Client.Admin;
using Weir.Client.Cluster;
using Weir.Protocol;

namespace Weir.Client.Tests;

public sealed class AdminTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private static string Name(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private KafkaAdminClient NewAdmin() => new(new AdminOptions { BootstrapServers = broker.Bootstrap, DefaultApiTimeout = TimeSpan.FromSeconds(20) });

    private async Task ProduceAsync(string topic, int partition, int count)
    {
        var lines = string.Join('\n', Enumerable.Range(0, count).Select(i => $"k{i}:v{i}")) + "\n";
        var kcat = await ProcessRunner.RunAsync("kcat", ["-P", "-b", broker.Bootstrap, "-t", topic, "-p", partition.ToString(), "-K", ":"], lines);
        Assert.True(kcat.ExitCode == 0, kcat.ToString());
    }

    [Fact]
    public async Task Topics_are_created_described_listed_grown_and_deleted()
    {
        await using var admin = NewAdmin();
        var topic = Name("adm");
        await admin.CreateTopicAsync(new NewTopic(topic, 3, 1) { Configs = new Dictionary<string, string> { ["retention.ms"] = "3600000" } });

        var description = await admin.DescribeTopicAsync(topic);
        Assert.Equal(3, description.Partitions.Count);
        Assert.NotEqual(Guid.Empty, description.TopicId);
        Assert.All(description.Partitions, p =>
        {
            Assert.True(p.Leader >= 0);
            Assert.Equal([p.Leader], p.Replicas);
            Assert.Equal([p.Leader], p.Isr);
        });

        var listed = await admin.ListTopicsAsync();
        Assert.Contains(listed, t => t.Name == topic && t.TopicId == description.TopicId && !t.IsInternal);

        var again = await admin.CreateTopicsAsync([new NewTopic(topic, 3, 1)]);
        Assert.Equal(ErrorCode.TopicAlreadyExists, again[topic].Error);
        var thrown = await Assert.ThrowsAsync<KafkaException>(() => admin.CreateTopicAsync(new NewTopic(topic, 1, 1)));
        Assert.Contains(topic, thrown.Message, StringComparison.Ordinal);

        var grown = await admin.CreatePartitionsAsync(new Dictionary<string, NewPartitions> { [topic] = new(5) });
        Assert.True(grown[topic].IsSuccess, grown[topic].ToString());
        Assert.Equal(5, (await admin.DescribeTopicAsync(topic)).Partitions.Count);
        var shrink = await admin.CreatePartitionsAsync(new Dictionary<string, NewPartitions> { [topic] = new(2) });
        Assert.Equal(ErrorCode.InvalidPartitions, shrink[topic].Error);

        await admin.DeleteTopicAsync(topic);
        Assert.DoesNotContain(await admin.ListTopicsAsync(), t => t.Name == topic);
        var missing = await admin.DeleteTopicsAsync([topic]);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, missing[topic].Error);
        var unknown = await admin.DescribeTopicsAsync([topic]);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, unknown[topic].Error);
    }

    [Fact]
    public async Task Create_with_a_replica_assignment_places_the_partitions()
    {
        await using var admin = NewAdmin();
        var cluster = await admin.DescribeClusterAsync();
        var node = Assert.Single(cluster.Brokers).Id;
        var topic = Name("assigned");
        await admin.CreateTopicAsync(new NewTopic(topic) { ReplicaAssignment = new Dictionary<int, IReadOnlyList<int>> { [0] = [node], [1] = [node] } });
        var description = await admin.DescribeTopicAsync(topic);
        Assert.Equal(2, description.Partitions.Count);
        Assert.All(description.Partitions, p => Assert.Equal(node, p.Leader));
    }

    [Fact]
    public async Task Internal_topics_are_listed_only_when_asked()
    {
        await using var admin = NewAdmin();
        await admin.ListGroupOffsetsAsync(Name("g")); // makes the coordinator create __consumer_offsets
        var all = await admin.ListTopicsAsync(includeInternal: true);
        var plain = await admin.ListTopicsAsync();
        Assert.Contains(all, t => t.Name == "__consumer_offsets" && t.IsInternal);
        Assert.DoesNotContain(plain, t => t.IsInternal);
    }

    [Fact]
    public async Task Topic_configs_are_described_with_source_and_altered_incrementally()
    {
        await using var admin = NewAdmin();
        var topic = Name("cfg");
        await admin.CreateTopicAsync(new NewTopic(topic, 1, 1) { Configs = new Dictionary<string, string> { ["retention.ms"] = "1000000" } });
        var resource = ConfigResource.Topic(topic);

        var config = await admin.DescribeConfigAsync(resource);
        var retention = config.Get("retention.ms")!;
        Assert.Equal("1000000", retention.Value);
        Assert.Equal(ConfigSource.DynamicTopicConfig, retention.Source);
        Assert.False(retention.IsDefault);
        Assert.Contains(retention.Synonyms, s => s.Source == ConfigSource.DynamicTopicConfig && s.Value == "1000000");
        var cleanup = config.Get("cleanup.policy")!;
        Assert.Equal("delete", cleanup.Value);
        Assert.True(cleanup.IsDefault);

        await admin.AlterConfigAsync(resource, [AlterConfigOp.Set("max.message.bytes", "200000"), AlterConfigOp.Delete("retention.ms"), new AlterConfigOp("cleanup.policy", "compact", AlterConfigOpType.Append)]);
        config = await admin.DescribeConfigAsync(resource);
        Assert.Equal("200000", config.Get("max.message.bytes")!.Value);
        Assert.Equal(ConfigSource.DefaultConfig, config.Get("retention.ms")!.Source);
        Assert.Equal("delete,compact", config.Get("cleanup.policy")!.Value);

        await admin.AlterConfigAsync(resource, [new AlterConfigOp("cleanup.policy", "delete", AlterConfigOpType.Subtract)]);
        Assert.Equal("compact", (await admin.DescribeConfigAsync(resource)).Get("cleanup.policy")!.Value);

        var bad = await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, IReadOnlyList<AlterConfigOp>> { [resource] = [AlterConfigOp.Set("retention.ms", "soon")] });
        Assert.Equal(ErrorCode.InvalidConfig, bad[resource].Error);
        var missing = await admin.DescribeConfigsAsync([ConfigResource.Topic(Name("nope"))]);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, Assert.Single(missing.Values).Error);
    }

    [Fact]
    public async Task Without_incremental_alter_configs_the_whole_dynamic_set_is_sent_with_the_changes()
    {
        await using var admin = NewAdmin();
        admin.UseIncrementalAlterConfigs = false;
        var topic = Name("cfg-old");
        await admin.CreateTopicAsync(new NewTopic(topic, 1, 1) { Configs = new Dictionary<string, string> { ["retention.ms"] = "1000000", ["segment.ms"] = "600000" } });
        var resource = ConfigResource.Topic(topic);

        await admin.AlterConfigAsync(resource, [AlterConfigOp.Set("max.message.bytes", "200000"), AlterConfigOp.Delete("segment.ms"), new AlterConfigOp("cleanup.policy", "compact", AlterConfigOpType.Append)]);

        var config = await admin.DescribeConfigAsync(resource);
        Assert.Equal("1000000", config.Get("retention.ms")!.Value);
        Assert.Equal(ConfigSource.DynamicTopicConfig, config.Get("retention.ms")!.Source);
        Assert.Equal("200000", config.Get("max.message.bytes")!.Value);
        Assert.Equal(ConfigSource.DefaultConfig, config.Get("segment.ms")!.Source);
        Assert.Equal("delete,compact", config.Get("cleanup.policy")!.Value);
    }

    [Fact]
    public async Task Broker_configs_come_from_that_broker_and_can_be_set_dynamically()
    {
        await using var admin = NewAdmin();
        var node = (await admin.DescribeClusterAsync()).Brokers[0].Id;
        var resource = ConfigResource.Broker(node);
        var config = await admin.DescribeConfigAsync(resource);
        Assert.NotNull(config.Get("log.retention.hours"));
        Assert.Contains(config.Entries, e => e.Source == ConfigSource.StaticBrokerConfig);

        await admin.AlterConfigAsync(resource, [AlterConfigOp.Set("log.cleaner.threads", "2")]);
        var changed = (await admin.DescribeConfigAsync(resource)).Get("log.cleaner.threads")!;
        Assert.Equal("2", changed.Value);
        Assert.Equal(ConfigSource.DynamicBrokerConfig, changed.Source);
        await admin.AlterConfigAsync(resource, [AlterConfigOp.Delete("log.cleaner.threads")]);
    }

    [Fact]
    public void Append_and_subtract_work_on_comma_lists_as_Kafka_does()
    {
        var configs = new Dictionary<string, string?> { ["a"] = "x,y" };
        KafkaAdminClient.Apply(configs, new AlterConfigOp("a", "y,z", AlterConfigOpType.Append));
        Assert.Equal("x,y,z", configs["a"]);
        KafkaAdminClient.Apply(configs, new AlterConfigOp("a", "x", AlterConfigOpType.Subtract));
        Assert.Equal("y,z", configs["a"]);
        KafkaAdminClient.Apply(configs, AlterConfigOp.Delete("a"));
        Assert.False(configs.ContainsKey("a"));
    }

    [Fact]
    public async Task Cluster_is_described_with_its_id_controller_and_broker()
    {
        await using var admin = NewAdmin();
        var cluster = await admin.DescribeClusterAsync();
        Assert.False(string.IsNullOrEmpty(cluster.ClusterId));
        var node = Assert.Single(cluster.Brokers);
        Assert.Equal(broker.Host.BoundEndPoints[0].Port, node.Port);
        Assert.Equal(node.Id, cluster.ControllerId);
    }

    [Fact]
    public async Task Records_are_deleted_before_an_offset_and_list_offsets_follows()
    {
        await using var admin = NewAdmin();
        var topic = Name("del");
        await admin.CreateTopicAsync(new NewTopic(topic, 2, 1));
        await ProduceAsync(topic, 0, 10);
        var p0 = new TopicPartition(topic, 0);
        var p9 = new TopicPartition(topic, 9);

        var deleted = await admin.DeleteRecordsAsync(new Dictionary<TopicPartition, long> { [p0] = 4, [p9] = 1 });
        Assert.Equal(new DeletedRecords(4, ErrorCode.None), deleted[p0]);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, deleted[p9].Error);

        var offsets = await admin.ListOffsetsAsync(new Dictionary<TopicPartition, long> { [p0] = OffsetsApi.Earliest });
        Assert.Equal(4, offsets[p0].Offset);
        var latest = await admin.ListOffsetsAsync(new Dictionary<TopicPartition, long> { [p0] = OffsetsApi.Latest });
        Assert.Equal(10, latest[p0].Offset);
        var byTime = await admin.ListOffsetsAsync(new Dictionary<TopicPartition, long> { [p0] = 0 });
        Assert.Equal(4, byTime[p0].Offset);
        var future = await admin.ListOffsetsAsync(new Dictionary<TopicPartition, long> { [p0] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds() });
        Assert.Equal(-1, future[p0].Offset);

        var all = await admin.DeleteRecordsAsync(new Dictionary<TopicPartition, long> { [p0] = -1 });
        Assert.Equal(10, all[p0].LowWatermark);
    }

    [Fact]
    public async Task Empty_group_is_listed_described_reset_and_deleted()
    {
        await using var admin = NewAdmin();
        var topic = Name("grp");
        var group = Name("g");
        await admin.CreateTopicAsync(new NewTopic(topic, 2, 1));
        await ProduceAsync(topic, 0, 5);
        await ProduceAsync(topic, 1, 3);
        var kcat = await ProcessRunner.RunAsync("kcat", ["-b", broker.Bootstrap, "-G", group, "-X", "auto.offset.reset=earliest", "-X", "enable.auto.commit=true", "-X", "auto.commit.interval.ms=100", "-e", "-q", topic], timeout: TimeSpan.FromSeconds(60));
        Assert.True(kcat.ExitCode == 0, kcat.ToString());

        var groups = await admin.ListGroupsAsync();
        var listing = Assert.Single(groups, g => g.GroupId == group);
        Assert.Equal("consumer", listing.ProtocolType);
        Assert.Equal("Empty", listing.State);
        Assert.Contains(await admin.ListGroupsAsync(["Empty"]), g => g.GroupId == group);
        Assert.DoesNotContain(await admin.ListGroupsAsync(["Stable"]), g => g.GroupId == group);

        var description = await admin.DescribeGroupAsync(group);
        Assert.Equal("Empty", description.State);
        Assert.Empty(description.Members);
        Assert.NotNull(description.Coordinator);

        var committed = await admin.ListGroupOffsetsAsync(group);
        Assert.Equal(5, committed[new TopicPartition(topic, 0)].Offset);
        Assert.Equal(3, committed[new TopicPartition(topic, 1)].Offset);

        var reset = await admin.AlterGroupOffsetsAsync(group, new Dictionary<TopicPartition, OffsetAndMetadata> { [new TopicPartition(topic, 0)] = new(1) });
        Assert.All(reset.Values, e => Assert.Equal(ErrorCode.None, e));
        Assert.Equal(1, (await admin.ListGroupOffsetsAsync(group))[new TopicPartition(topic, 0)].Offset);

        var deletedOffsets = await admin.DeleteGroupOffsetsAsync(group, [new TopicPartition(topic, 1)]);
        Assert.Equal(ErrorCode.None, deletedOffsets[new TopicPartition(topic, 1)]);
        Assert.False((await admin.ListGroupOffsetsAsync(group)).ContainsKey(new TopicPartition(topic, 1)));

        var deleted = await admin.DeleteGroupsAsync([group]);
        Assert.True(deleted[group].IsSuccess, deleted[group].ToString());
        var again = await admin.DeleteGroupsAsync([group]);
        Assert.Equal(ErrorCode.GroupIdNotFound, again[group].Error);
        var missing = await Assert.ThrowsAsync<KafkaException>(() => admin.DeleteGroupOffsetsAsync(group, [new TopicPartition(topic, 0)]));
        Assert.Equal(ErrorCode.GroupIdNotFound, missing.ErrorCode);
    }

    [Fact]
    public async Task Active_group_shows_members_with_assignments_and_refuses_resets()
    {
        await using var admin = NewAdmin();
        var topic = Name("active");
        var group = Name("g");
        await admin.CreateTopicAsync(new NewTopic(topic, 3, 1));
        await ProduceAsync(topic, 0, 2);

        using var kcat = Process.Start(new ProcessStartInfo("kcat", ["-b", broker.Bootstrap, "-G", group, "-q", "-X", "client.id=weir-admin-test", topic])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            GroupDescription description;
            var deadline = DateTime.UtcNow.AddSeconds(30);
            do
            {
                description = await admin.DescribeGroupAsync(group);
                if (description.State == "Stable" && description.Members.Count == 1 && description.Members[0].Assignment.Count == 3)
                {
                    break;
                }

                await Task.Delay(100);
            }
            while (DateTime.UtcNow < deadline);

            Assert.Equal("Stable", description.State);
            Assert.Equal("consumer", description.ProtocolType);
            var member = Assert.Single(description.Members);
            Assert.Equal("weir-admin-test", member.ClientId);
            Assert.Equal([0, 1, 2], member.Assignment.Select(tp => tp.Partition).Order());
            Assert.All(member.Assignment, tp => Assert.Equal(topic, tp.Topic));

            var refused = await Assert.ThrowsAsync<KafkaException>(() => admin.AlterGroupOffsetsAsync(group, new Dictionary<TopicPartition, OffsetAndMetadata> { [new TopicPartition(topic, 0)] = new(0) }));
            Assert.Contains("active members", refused.Message, StringComparison.Ordinal);
            var notEmpty = await admin.DeleteGroupsAsync([group]);
            Assert.Equal(ErrorCode.NonEmptyGroup, notEmpty[group].Error);
            Assert.Contains(await admin.ListGroupsAsync(["Stable"]), g => g.GroupId == group);
        }
        finally
        {
            kcat.Kill();
            await kcat.WaitForExitAsync();
        }
    }
}
