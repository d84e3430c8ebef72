using System.Globalization;
using System.Text.RegularExpressions;

namespace Weir.Cli.Tests;

/// <summary>console-producer and producer-perf-test against an in-process broker; kcat checks what landed.</summary>
public sealed partial class ProducerToolsTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private static string NewTopic(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private async Task<string[]> KcatAsync(string topic, string format)
    {
        var result = await ProcessRunner.RunAsync("kcat", ["-C", "-b", broker.Bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-f", format]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task Console_producer_parses_keys_and_headers_as_Kafka_does()
    {
        var topic = NewTopic("console");
        var input = "h1:v1,h2:v2\tuser1:hello world\nh3:x\tuser2:second:with colon\nNULL\tuser3:NULL\n";
        var result = await WeirTool.RunAsync(
            ["console-producer", "--bootstrap-server", broker.Bootstrap, "--topic", topic,
             "--property", "parse.key=true", "--property", "key.separator=:", "--property", "parse.headers=true", "--property", "null.marker=NULL"],
            input);
        Assert.True(result.ExitCode == 0, result.ToString());

        var lines = await KcatAsync(topic, "%k|%s|%h|%S\n");
        Assert.Equal(3, lines.Length);
        Assert.Contains("user1|hello world|h1=v1,h2=v2|11", lines);
        Assert.Contains("user2|second:with colon|h3=x|17", lines);
        Assert.Contains("user3||-1", lines.Select(l => l.Replace("|||", "||", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Console_producer_default_key_separator_is_tab_and_records_keep_line_order()
    {
        var topic = NewTopic("console-tab");
        var input = string.Concat(Enumerable.Range(0, 200).Select(i => $"k\tline {i}\n"));
        var result = await WeirTool.RunAsync(
            ["console-producer", "--broker-list", broker.Bootstrap, "--topic", topic, "--property", "parse.key=true", "--compression-codec", "--sync"],
            input);
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = await KcatAsync(topic, "%k %s\n");
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"k line {i}"), lines);
    }

    [Fact]
    public async Task Console_producer_rejects_a_line_without_key_separator()
    {
        var result = await WeirTool.RunAsync(
            ["console-producer", "--bootstrap-server", broker.Bootstrap, "--topic", NewTopic("bad"), "--property", "parse.key=true"],
            "no separator here\n");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("No key separator found on line number 1: 'no separator here'", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Console_producer_names_an_unreachable_broker()
    {
        var result = await WeirTool.RunAsync(
            ["console-producer", "--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--producer-property", "max.block.ms=2000"],
            "x\n");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("127.0.0.1:1", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Perf_test_prints_Kafkas_summary_line()
    {
        var topic = NewTopic("perf");
        var result = await WeirTool.RunAsync(
            ["producer-perf-test", "--topic", topic, "--num-records", "5000", "--record-size", "100", "--throughput", "-1",
             "--producer-props", $"bootstrap.servers={broker.Bootstrap}", "acks=1", "--print-metrics"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var summary = result.StdOut.Split('\n').Single(l => l.Contains("99.9th", StringComparison.Ordinal));
        var match = SummaryLine().Match(summary);
        Assert.True(match.Success, summary);
        Assert.Equal("5000", match.Groups[1].Value);
        Assert.True(double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) > 0);
        Assert.Contains("producer-metrics:record-send-total", result.StdOut, StringComparison.Ordinal);

        Assert.Equal(5000, (await KcatAsync(topic, "%p\n")).Length);
    }

    [Fact]
    public async Task Perf_test_throttles_to_the_requested_throughput()
    {
        var result = await WeirTool.RunAsync(
            ["producer-perf-test", "--topic", NewTopic("perf-slow"), "--num-records", "300", "--record-size", "10", "--throughput", "200",
             "--producer-props", $"bootstrap.servers={broker.Bootstrap}"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var match = SummaryLine().Match(result.StdOut);
        Assert.True(match.Success, result.StdOut);
        Assert.InRange(double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), 100, 260);
    }

    [GeneratedRegex(@"^(\d+) records sent, (\d+\.\d{6}) records/sec \((\d+\.\d{2}) MB/sec\), (\d+\.\d{2}) ms avg latency, (\d+\.\d{2}) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$", RegexOptions.Multiline)]
    private static partial Regex SummaryLine();
}
