using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Tests;

/// <summary>
/// The config APIs through the real clients (confluent-kafka/librdkafka and kafka-python via Debian's
/// python3), and through exact-version requests for what those clients do not speak.
/// </summary>
public sealed class ConfigsTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private Task<JsonElement> RunPython(string script, params string[] args) => PythonClient.RunAsync(script, broker.Bootstrap, args);

    private async Task<string> NewTopic()
    {
        var topic = "cfg-" + Guid.NewGuid().ToString("N")[..8];
        var produced = await ProcessRunner.RunAsync("kcat", ["-b", broker.Bootstrap, "-X", "broker.address.family=v4", "-P", "-t", topic], "x\n");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        return topic;
    }

    private BrokerRuntime Runtime => broker.Host.Services.GetRequiredService<BrokerRuntime>();

    [Fact]
    public async Task Confluent_alters_a_topic_and_describes_it_with_sources_and_synonyms()
    {
        var topic = await NewTopic();
        var altered = await RunPython("confluent_configs.py", "alter", "topic", topic, "retention.ms=123456", "cleanup.policy=compact");
        Assert.True(altered.GetProperty("ok").GetBoolean(), altered.ToString());

        var configs = (await RunPython("confluent_configs.py", "describe", "topic", topic)).GetProperty("configs");
        var retention = configs.GetProperty("retention.ms");
        Assert.Equal("123456", retention.GetProperty("value").GetString());
        Assert.Equal("DYNAMIC_TOPIC_CONFIG", retention.GetProperty("source").GetString());
        Assert.False(retention.GetProperty("is_default").GetBoolean());
        Assert.Contains(retention.GetProperty("synonyms").EnumerateArray(), s => s[0].GetString() == "log.retention.hours" && s[2].GetString() == "DEFAULT_CONFIG");
        var segment = configs.GetProperty("segment.bytes");
        Assert.Equal("1073741824", segment.GetProperty("value").GetString());
        Assert.Equal("DEFAULT_CONFIG", segment.GetProperty("source").GetString());
        Assert.True(segment.GetProperty("is_default").GetBoolean());
        Assert.Equal("compact", configs.GetProperty("cleanup.policy").GetProperty("value").GetString());

        // The change reached the partition logs.
        var log = Runtime.Replicas.Get(topic, 0)!.Log.Config;
        Assert.Equal(123456, log.RetentionMs);
        Assert.True(log.IsCompactPolicy);

        // AlterConfigs replaces the whole set: cleanup.policy goes back to the default.
        altered = await RunPython("confluent_configs.py", "alter", "topic", topic, "retention.ms=7000");
        Assert.True(altered.GetProperty("ok").GetBoolean(), altered.ToString());
        configs = (await RunPython("confluent_configs.py", "describe", "topic", topic)).GetProperty("configs");
        Assert.Equal("delete", configs.GetProperty("cleanup.policy").GetProperty("value").GetString());
        Assert.Equal("DEFAULT_CONFIG", configs.GetProperty("cleanup.policy").GetProperty("source").GetString());
        Assert.False(Runtime.Replicas.Get(topic, 0)!.Log.Config.IsCompactPolicy);
    }

    [Fact]
    public async Task Confluent_gets_kafkas_errors()
    {
        var topic = await NewTopic();
        var bad = await RunPython("confluent_configs.py", "alter", "topic", topic, "retention.ms=abc");
        Assert.Contains("INVALID_CONFIG", bad.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("retention.ms", bad.GetProperty("error").GetString(), StringComparison.Ordinal);
        var unknown = await RunPython("confluent_configs.py", "alter", "topic", topic, "no.such.config=1");
        Assert.Contains("Unknown topic config name: no.such.config", unknown.GetProperty("error").GetString(), StringComparison.Ordinal);
        var readOnly = await RunPython("confluent_configs.py", "alter", "broker", "1", "log.dirs=/elsewhere");
        Assert.Contains("INVALID_REQUEST", readOnly.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("log.dirs", readOnly.GetProperty("error").GetString(), StringComparison.Ordinal);
        var missing = await RunPython("confluent_configs.py", "describe", "topic", "cfg-missing-" + Guid.NewGuid().ToString("N")[..8]);
        Assert.Contains("UNKNOWN_TOPIC_OR_PART", missing.GetProperty("error").GetString(), StringComparison.Ordinal);

        var validateOnly = await RunPython("confluent_configs.py", "alter", "topic", topic, "--validate-only", "retention.ms=5555");
        Assert.True(validateOnly.GetProperty("ok").GetBoolean(), validateOnly.ToString());
        var configs = (await RunPython("confluent_configs.py", "describe", "topic", topic)).GetProperty("configs");
        Assert.Equal("DEFAULT_CONFIG", configs.GetProperty("retention.ms").GetProperty("source").GetString());
    }

    [Fact]
    public async Task Confluent_describes_the_broker()
    {
        var configs = (await RunPython("confluent_configs.py", "describe", "broker", "1")).GetProperty("configs");
        var listeners = configs.GetProperty("listeners");
        Assert.Equal("STATIC_BROKER_CONFIG", listeners.GetProperty("source").GetString());
        Assert.True(listeners.GetProperty("read_only").GetBoolean());
        Assert.Equal("4", configs.GetProperty("num.partitions").GetProperty("value").GetString());
        var retention = configs.GetProperty("log.retention.ms");
        Assert.False(retention.GetProperty("read_only").GetBoolean());
    }

    [Fact]
    public async Task Kafka_python_alters_and_describes_with_synonyms_and_the_cluster()
    {
        var topic = await NewTopic();
        var altered = await RunPython("kafka_python_configs.py", "alter", "topic", topic, "max.message.bytes=2000000");
        Assert.Equal(0, altered[0].GetProperty("error_code").GetInt32());

        var described = await RunPython("kafka_python_configs.py", "describe", "topic", topic, "max.message.bytes", "segment.ms");
        var result = described[0];
        Assert.Equal(0, result.GetProperty("error_code").GetInt32());
        var configs = result.GetProperty("configs");
        Assert.Equal(2, configs.EnumerateObject().Count());
        var max = configs.GetProperty("max.message.bytes");
        Assert.Equal("2000000", max.GetProperty("value").GetString());
        Assert.Equal(1, max.GetProperty("source").GetInt32());
        Assert.Equal(["max.message.bytes", "message.max.bytes"], max.GetProperty("synonyms").EnumerateArray().Select(s => s[0].GetString()));
        Assert.Equal(2000000, Runtime.Replicas.Get(topic, 0)!.Log.Config.MaxMessageBytes);

        var bad = await RunPython("kafka_python_configs.py", "alter", "topic", topic, "segment.bytes=1");
        Assert.Equal(40, bad[0].GetProperty("error_code").GetInt32());
        Assert.Contains("segment.bytes", bad[0].GetProperty("error_message").GetString(), StringComparison.Ordinal);

        var cluster = await RunPython("kafka_python_configs.py", "cluster");
        Assert.Equal(1, cluster.GetProperty("controller_id").GetInt32());
        Assert.Equal(Runtime.ClusterId, cluster.GetProperty("cluster_id").GetString());
        Assert.Equal(1, cluster.GetProperty("brokers").GetArrayLength());
    }

    [Fact]
    public async Task Describe_v4_reports_type_and_documentation_and_the_wrong_broker_is_refused()
    {
        var topic = await NewTopic();
        await using var client = await RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);
        var request = new DescribeConfigsRequest
        {
            IncludeSynonyms = true,
            IncludeDocumentation = true,
            Resources =
            [
                new() { ResourceType = 2, ResourceName = topic, ConfigurationKeys = ["retention.ms"] },
                new() { ResourceType = 4, ResourceName = "7", ConfigurationKeys = null },
                new() { ResourceType = 32, ResourceName = "g", ConfigurationKeys = null },
            ],
        };
        var response = await client.RequestAsync<DescribeConfigsResponse>(ApiKey.DescribeConfigs, 4, request);
        var entry = Assert.Single(response.Results[0].Configs);
        Assert.Equal("604800000", entry.Value);
        Assert.Equal(5, entry.ConfigType);
        Assert.False(string.IsNullOrEmpty(entry.Documentation));
        Assert.Equal((short)ErrorCode.InvalidRequest, response.Results[1].ErrorCode);
        Assert.Equal("Unexpected broker id, expected 1 or empty string, but received 7", response.Results[1].ErrorMessage);
        Assert.Equal((short)ErrorCode.InvalidRequest, response.Results[2].ErrorCode);

        // v0 carries IsDefault and no source.
        request = new DescribeConfigsRequest { Resources = [new() { ResourceType = 2, ResourceName = topic, ConfigurationKeys = ["retention.ms"] }] };
        response = await client.RequestAsync<DescribeConfigsResponse>(ApiKey.DescribeConfigs, 0, request);
        Assert.True(Assert.Single(response.Results[0].Configs).IsDefault);
    }

    [Fact]
    public async Task Incremental_alter_sets_appends_subtracts_and_deletes()
    {
        var topic = await NewTopic();
        await using var client = await RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);

        async Task<IncrementalAlterConfigsResponse.AlterConfigsResourceResponse> Alter(sbyte type, string name, bool validateOnly, params (string Name, sbyte Op, string? Value)[] ops)
        {
            var resource = new IncrementalAlterConfigsRequest.AlterConfigsResource { ResourceType = type, ResourceName = name };
            foreach (var (n, op, v) in ops)
            {
                resource.Configs.Add(new() { Name = n, ConfigOperation = op, Value = v });
            }

            var response = await client.RequestAsync<IncrementalAlterConfigsResponse>(
                ApiKey.IncrementalAlterConfigs, 1, new IncrementalAlterConfigsRequest { Resources = [resource], ValidateOnly = validateOnly });
            return Assert.Single(response.Responses);
        }

        Assert.Equal(0, (await Alter(2, topic, false, ("cleanup.policy", 2, "compact"), ("retention.ms", 0, "60000"))).ErrorCode);
        var log = Runtime.Replicas.Get(topic, 0)!.Log.Config;
        Assert.Equal("compact,delete", log.CleanupPolicy);
        Assert.Equal(60000, log.RetentionMs);
        Assert.Equal("delete,compact", Runtime.Metadata.Image.ConfigsOf(Metadata.ConfigResourceKind.Topic, topic)["cleanup.policy"]);

        Assert.Equal(0, (await Alter(2, topic, false, ("cleanup.policy", 3, "delete"), ("retention.ms", 1, null))).ErrorCode);
        log = Runtime.Replicas.Get(topic, 0)!.Log.Config;
        Assert.Equal("compact", log.CleanupPolicy);
        Assert.Equal(604800000, log.RetentionMs);

        var notList = await Alter(2, topic, false, ("retention.ms", 2, "1"));
        Assert.Equal((short)ErrorCode.InvalidConfig, notList.ErrorCode);
        Assert.Equal("Can't APPEND to key retention.ms because its type is not LIST.", notList.ErrorMessage);
        var missing = await Alter(2, "cfg-missing", false, ("retention.ms", 0, "1"));
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, missing.ErrorCode);
        Assert.Equal("The topic 'cfg-missing' does not exist.", missing.ErrorMessage);
        Assert.Equal((short)ErrorCode.InvalidRequest, (await Alter(2, topic, false, ("retention.ms", 0, null))).ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidRequest, (await Alter(2, topic, false, ("retention.ms", 0, "1"), ("retention.ms", 1, null))).ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidRequest, (await Alter(4, "1", false, ("log.retention.hours", 0, "1"))).ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidRequest, (await Alter(4, "2", false, ("log.retention.ms", 0, "1"))).ErrorCode);

        // validateOnly checks without writing.
        Assert.Equal(0, (await Alter(2, topic, true, ("retention.ms", 0, "1000"))).ErrorCode);
        Assert.Equal(604800000, Runtime.Replicas.Get(topic, 0)!.Log.Config.RetentionMs);
    }

    [Fact]
    public async Task Describe_cluster_reports_the_node_and_refuses_controller_endpoints()
    {
        await using var client = await RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);
        var response = await client.RequestAsync<DescribeClusterResponse>(
            ApiKey.DescribeCluster, 1, new DescribeClusterRequest { IncludeClusterAuthorizedOperations = true, EndpointType = 1 });
        Assert.Equal(0, response.ErrorCode);
        Assert.Equal(Runtime.ClusterId, response.ClusterId);
        Assert.Equal(1, response.ControllerId);
        Assert.Equal(1, response.EndpointType);
        var node = Assert.Single(response.Brokers);
        Assert.Equal(broker.Host.BoundEndPoints[0].Port, node.Port);
        Assert.NotEqual(int.MinValue, response.ClusterAuthorizedOperations);

        response = await client.RequestAsync<DescribeClusterResponse>(ApiKey.DescribeCluster, 0, new DescribeClusterRequest());
        Assert.Equal(0, response.ErrorCode);
        Assert.Equal(int.MinValue, response.ClusterAuthorizedOperations);

        response = await client.RequestAsync<DescribeClusterResponse>(ApiKey.DescribeCluster, 1, new DescribeClusterRequest { EndpointType = 2 });
        Assert.Equal((short)ErrorCode.MismatchedEndpointType, response.ErrorCode);
    }
}
