namespace Weir.Cli.Tests;

public sealed class ShimTests
{
    [Theory]
    [InlineData("kafka-topics.sh", "topics")]
    [InlineData("kafka-console-producer.sh", "console-producer")]
    [InlineData("kafka-console-consumer.sh", "console-consumer")]
    [InlineData("kafka-consumer-groups.sh", "consumer-groups")]
    [InlineData("kafka-configs.sh", "configs")]
    [InlineData("kafka-server-start.sh", "start")]
    [InlineData("kafka-producer-perf-test.sh", "producer-perf-test")]
    [InlineData("kafka-consumer-perf-test.sh", "consumer-perf-test")]
    [InlineData("kafka-get-offsets.sh", "get-offsets")]
    [InlineData("kafka-delete-records.sh", "delete-records")]
    [InlineData("kafka-log-dirs.sh", "log-dirs")]
    [InlineData("kafka-dump-log.sh", "dump-log")]
    [InlineData("kafka-storage.sh", "storage")]
    [InlineData("kafka-metadata-quorum.sh", "metadata-quorum")]
    public async Task Every_shim_reaches_its_weir_tool(string script, string tool)
    {
        var result = await KafkaScripts.RunAsync(script, ["--help"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"Usage:\n  weir {tool} ", result.StdOut, StringComparison.Ordinal);
    }
}
