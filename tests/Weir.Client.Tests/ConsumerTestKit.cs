using Weir.Client.Cluster;
using Weir.Client.Consumer;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Client.Tests;

/// <summary>Topic creation and kcat production for the consumer tests (independent of Weir's producer and admin client).</summary>
internal static class ConsumerTestKit
{
    public static string NewTopic(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    public static async Task CreateTopicAsync(string bootstrap, string topic, int partitions)
    {
        await using var cluster = new KafkaCluster(new ClientOptions { BootstrapServers = bootstrap });
        var connection = await cluster.GetAnyConnectionAsync();
        var version = connection.RequireVersion(ApiKey.CreateTopics, 5, 2);
        var request = new CreateTopicsRequest
        {
            Topics = [new CreateTopicsRequest.CreatableTopic { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }],
            timeoutMs = 10000,
        };
        var response = await connection.SendAsync<CreateTopicsResponse>(ApiKey.CreateTopics, version, request);
        KafkaException.ThrowIfError(response.Topics[0].ErrorCode, "CreateTopics " + topic);
        await cluster.GetTopicAsync(topic);
    }

    /// <summary>Produces "key:value" lines with kcat (-K:), optionally compressed, with headers and a fixed partition.</summary>
    public static async Task ProduceAsync(string bootstrap, string topic, IEnumerable<string> lines, string codec = "none", int partition = -1, params string[] headers)
    {
        var args = new List<string> { "-b", bootstrap, "-t", topic, "-P", "-K:", "-z", codec, "-p", partition.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        foreach (var header in headers)
        {
            args.Add("-H");
            args.Add(header);
        }

        var result = await ProcessRunner.RunAsync("kcat", args, string.Join('\n', lines) + "\n");
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    public static ConsumerOptions Options(string bootstrap, string? group = null, Action<ConsumerOptions>? configure = null)
    {
        var options = new ConsumerOptions
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchMaxWait = TimeSpan.FromMilliseconds(100),
            HeartbeatInterval = TimeSpan.FromMilliseconds(200),
            SessionTimeout = TimeSpan.FromSeconds(10),
        };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>Polls until <paramref name="count"/> records came (or fails after 30 s).</summary>
    public static async Task<List<ConsumeResult>> ReadAsync(KafkaConsumer consumer, int count, TimeSpan? limit = null)
    {
        var result = new List<ConsumeResult>();
        using var cts = new CancellationTokenSource(limit ?? TimeSpan.FromSeconds(30));
        while (result.Count < count)
        {
            cts.Token.ThrowIfCancellationRequested();
            result.AddRange(await consumer.PollAsync(TimeSpan.FromMilliseconds(200), cts.Token));
        }

        return result;
    }
}
