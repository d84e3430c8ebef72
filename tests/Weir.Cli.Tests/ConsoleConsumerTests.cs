using System.Globalization;

namespace Weir.Cli.Tests;

/// <summary>kafka-console-consumer.sh (weir console-consumer) against records kcat produced.</summary>
public sealed class ConsoleConsumerTests(NoRebalanceDelayBrokerFixture broker) : IClassFixture<NoRebalanceDelayBrokerFixture>
{
    private static string NewTopic(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private async Task ProduceAsync(string topic, int partition, IEnumerable<string> keyedLines, params string[] headers)
    {
        var args = new List<string> { "-b", broker.Bootstrap, "-t", topic, "-P", "-K:", "-p", partition.ToString(CultureInfo.InvariantCulture) };
        foreach (var header in headers)
        {
            args.AddRange(["-H", header]);
        }

        var result = await ProcessRunner.RunAsync("kcat", args, string.Join('\n', keyedLines) + "\n");
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private async Task<List<string[]>> KcatViewAsync(string topic)
    {
        var kcat = await ProcessRunner.RunAsync("kcat", ["-C", "-b", broker.Bootstrap, "-t", topic, "-e", "-q", "-f", "%p|%o|%T|%k|%s\n"]);
        Assert.True(kcat.ExitCode == 0, kcat.ToString());
        return [.. Lines(kcat.StdOut).Select(l => l.Split('|', 5))];
    }

    private static Task<ProcessRunner.Result> Consume(params string[] args) => KafkaScripts.RunAsync("kafka-console-consumer.sh", args);

    private static List<string> Lines(string output) => [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    [Fact]
    public async Task From_the_beginning_prints_every_field_in_kafkas_format()
    {
        var topic = NewTopic("fmt");
        await ProduceAsync(topic, 0, Enumerable.Range(0, 5).Select(i => $"key{i}:value {i}"));
        var expected = (await KcatViewAsync(topic)).Select(r => $"CreateTime:{r[2]}\tPartition:{r[0]}\tOffset:{r[1]}\t{r[3]}\t{r[4]}");

        var result = await Consume(
            "--bootstrap-server", broker.Bootstrap, "--topic", topic, "--from-beginning", "--max-messages", "5",
            "--property", "print.key=true", "--property", "print.timestamp=true", "--property", "print.partition=true", "--property", "print.offset=true");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(expected, Lines(result.StdOut));
        Assert.Contains("Processed a total of 5 messages", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Separators_headers_and_null_literal_follow_the_properties()
    {
        var topic = NewTopic("hdr");
        await ProduceAsync(topic, 0, ["a:1"], "h1=v1", "h2=v2");
        await ProduceAsync(topic, 0, ["b:2"]);
        var produced = await ProcessRunner.RunAsync("kcat", ["-b", broker.Bootstrap, "-t", topic, "-P", "-p", "0"], "no-key\n");
        Assert.True(produced.ExitCode == 0, produced.ToString());

        var result = await Consume(
            "--bootstrap-server", broker.Bootstrap, "--topic", topic, "--partition", "0", "--offset", "earliest", "--max-messages", "3",
            "--property", "print.key=true", "--property", "print.headers=true", "--property", "key.separator= | ",
            "--property", "null.literal=<none>");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["h1:v1,h2:v2 | a | 1", "NO_HEADERS | b | 2", "NO_HEADERS | <none> | no-key"], Lines(result.StdOut));
    }

    [Fact]
    public async Task Partition_and_offset_start_there()
    {
        var topic = NewTopic("offset");
        await ProduceAsync(topic, 1, Enumerable.Range(0, 10).Select(i => $"k:p1-{i}"));
        await ProduceAsync(topic, 0, ["k:p0-0"]);
        var result = await Consume("--bootstrap-server", broker.Bootstrap, "--topic", topic, "--partition", "1", "--offset", "6", "--max-messages", "3", "--property", "print.offset=true");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["Offset:6\tp1-6", "Offset:7\tp1-7", "Offset:8\tp1-8"], Lines(result.StdOut));
        Assert.Contains("Processed a total of 3 messages", result.StdErr, StringComparison.Ordinal);

        var missing = await Consume("--bootstrap-server", broker.Bootstrap, "--topic", topic, "--offset", "6");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("The partition is required when offset is specified.", missing.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_group_resumes_where_it_left_off_and_timeout_ms_ends_an_idle_consumer()
    {
        var topic = NewTopic("grp");
        var group = NewTopic("readers");
        await ProduceAsync(topic, 0, Enumerable.Range(0, 6).Select(i => $"k:{i}"));
        var first = await Consume("--bootstrap-server", broker.Bootstrap, "--topic", topic, "--group", group, "--from-beginning", "--max-messages", "4");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(["0", "1", "2", "3"], Lines(first.StdOut));

        // The group committed after the fourth record: the next member reads the rest, then times out.
        var second = await Consume("--bootstrap-server", broker.Bootstrap, "--topic", topic, "--group", group, "--timeout-ms", "2000");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(["4", "5"], Lines(second.StdOut));
        Assert.Contains("Processed a total of 2 messages", second.StdErr, StringComparison.Ordinal);
        Assert.Contains("TimeoutException", second.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Include_regex_reads_every_matching_topic()
    {
        var prefix = NewTopic("inc");
        await ProduceAsync(prefix + "-a", 0, ["k:from-a"]);
        await ProduceAsync(prefix + "-b", 0, ["k:from-b"]);
        await ProduceAsync(NewTopic("other"), 0, ["k:other"]);
        var result = await Consume("--bootstrap-server", broker.Bootstrap, "--include", prefix + "-.*", "--from-beginning", "--timeout-ms", "3000");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["from-a", "from-b"], Lines(result.StdOut).Order(StringComparer.Ordinal));
        Assert.Contains("Processed a total of 2 messages", result.StdErr, StringComparison.Ordinal);
    }
}
