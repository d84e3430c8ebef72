using System.Globalization;

namespace Weir.Cli.Tests;

/// <summary>kafka-consumer-perf-test.sh (weir consumer-perf-test): Kafka's header and one summary line.</summary>
public sealed class ConsumerPerfTestTests(NoRebalanceDelayBrokerFixture broker) : IClassFixture<NoRebalanceDelayBrokerFixture>
{
    [Fact]
    public async Task Small_run_prints_kafkas_header_and_one_data_line()
    {
        var topic = "perf-" + Guid.NewGuid().ToString("N")[..8];
        var lines = string.Join('\n', Enumerable.Range(0, 1000).Select(i => $"message-{i:D4}")) + "\n";
        var produce = await ProcessRunner.RunAsync("kcat", ["-b", broker.Bootstrap, "-t", topic, "-P"], lines);
        Assert.True(produce.ExitCode == 0, produce.ToString());

        var result = await KafkaScripts.RunAsync("kafka-consumer-perf-test.sh", ["--bootstrap-server", broker.Bootstrap, "--topic", topic, "--messages", "1000", "--timeout", "20000"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var output = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, output.Length);
        Assert.Equal("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec", output[0]);
        var cells = output[1].Split(", ");
        Assert.Equal(10, cells.Length);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}:\d{3}$", cells[0]);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}:\d{3}$", cells[1]);
        Assert.Equal((12000 / (1024.0 * 1024.0)).ToString("0.0000", CultureInfo.InvariantCulture), cells[2]);
        Assert.Equal("1000", cells[4]);
        Assert.Matches(@"^\d+$", cells[6]);
        Assert.Matches(@"^\d+$", cells[7]);

        var hidden = await KafkaScripts.RunAsync("kafka-consumer-perf-test.sh", ["--bootstrap-server", broker.Bootstrap, "--topic", topic, "--messages", "1000", "--hide-header"]);
        Assert.True(hidden.ExitCode == 0, hidden.ToString());
        Assert.Single(hidden.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
