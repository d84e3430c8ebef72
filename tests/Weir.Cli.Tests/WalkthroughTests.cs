using System.Globalization;

namespace Weir.Cli.Tests;

/// <summary>
/// The seeds' walkthrough, through bin/kafka-*.sh exactly as a tutorial types it: create `retail`,
/// pipe web-log lines into the console producer, read them back every way, describe, reset.
/// kcat is the independent reference for what landed where.
/// </summary>
public sealed class WalkthroughTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const int LineCount = 60;

    [Fact]
    public async Task Retail_walkthrough_runs_as_written()
    {
        var b = broker.Bootstrap;
        var create = await Run("kafka-topics.sh", ["--bootstrap-server", b, "--create", "--topic", "retail", "--partitions", "3", "--replication-factor", "1"]);
        Assert.Contains("Created topic retail.", create.StdOut, StringComparison.Ordinal);

        var list = await Run("kafka-topics.sh", ["--bootstrap-server", b, "--list"]);
        Assert.Contains("retail", list.StdOut.Split('\n', StringSplitOptions.TrimEntries));

        var describe = await Run("kafka-topics.sh", ["--bootstrap-server", b, "--describe", "--topic", "retail"]);
        Assert.Contains("Topic: retail", describe.StdOut, StringComparison.Ordinal);
        Assert.Contains("PartitionCount: 3", describe.StdOut, StringComparison.Ordinal);
        for (var p = 0; p < 3; p++)
        {
            Assert.Matches($@"Topic: retail\s+Partition: {p}\s+Leader: 1\s+Replicas: 1\s+Isr: 1", describe.StdOut);
        }

        // Web-log lines keyed by client IP, as `tail -f access.log | ...` with parse.key would send them.
        var lines = WebLog();
        var produce = await Run(
            "kafka-console-producer.sh",
            ["--bootstrap-server", b, "--topic", "retail", "--property", "parse.key=true", "--property", "key.separator=|"],
            string.Join('\n', lines.Select(l => $"{l.Key}|{l.Value}")) + "\n");
        Assert.True(produce.ExitCode == 0, produce.ToString());

        // From the beginning, with keys: every line back, each with its key.
        var all = await Run("kafka-console-consumer.sh", ["--bootstrap-server", b, "--topic", "retail", "--from-beginning", "--max-messages", LineCount.ToString(CultureInfo.InvariantCulture), "--property", "print.key=true"]);
        Assert.Equal(lines.Select(l => $"{l.Key}\t{l.Value}").Order(StringComparer.Ordinal), Lines(all.StdOut).Order(StringComparer.Ordinal));
        Assert.Contains($"Processed a total of {LineCount} messages", all.StdErr, StringComparison.Ordinal);

        // Same key, same partition: kcat (librdkafka) is the reference for where each record is.
        var kcat = await ProcessRunner.RunAsync("kcat", ["-C", "-b", b, "-t", "retail", "-e", "-q", "-f", "%p|%o|%k|%s\n"]);
        Assert.True(kcat.ExitCode == 0, kcat.ToString());
        var placed = Lines(kcat.StdOut).Select(l => l.Split('|', 4)).ToList();
        Assert.Equal(LineCount, placed.Count);
        Assert.All(placed.GroupBy(r => r[2]), g => Assert.Single(g.Select(r => r[0]).Distinct()));
        Assert.Equal(3, placed.Select(r => r[0]).Distinct().Count());

        // One partition from an offset.
        var p1 = placed.Where(r => r[0] == "1").OrderBy(r => long.Parse(r[1], CultureInfo.InvariantCulture)).ToList();
        var fromOffset = await Run("kafka-console-consumer.sh", ["--bootstrap-server", b, "--topic", "retail", "--partition", "1", "--offset", "2", "--max-messages", "3", "--property", "print.offset=true", "--property", "print.partition=true"]);
        Assert.Equal(
            p1.Skip(2).Take(3).Select(r => $"Partition:1\tOffset:{r[1]}\t{r[3]}"),
            Lines(fromOffset.StdOut));

        // In a group: all lines once; the group then shows no lag on any partition.
        var grouped = await Run("kafka-console-consumer.sh", ["--bootstrap-server", b, "--topic", "retail", "--group", "retail-readers", "--from-beginning", "--max-messages", LineCount.ToString(CultureInfo.InvariantCulture)]);
        Assert.Equal(lines.Select(l => l.Value).Order(StringComparer.Ordinal), Lines(grouped.StdOut).Order(StringComparer.Ordinal));

        var groups = await Run("kafka-consumer-groups.sh", ["--bootstrap-server", b, "--list"]);
        Assert.Contains("retail-readers", Lines(groups.StdOut));

        var lag = await DescribeGroup(b);
        Assert.Equal(3, lag.Count);
        Assert.All(lag, row => Assert.Equal(row.LogEnd, row.Current));
        Assert.Equal(LineCount, lag.Sum(row => row.LogEnd));

        // Reset to the earliest offsets: a dry run changes nothing, --execute rewinds the group.
        var dryRun = await Run("kafka-consumer-groups.sh", ["--bootstrap-server", b, "--reset-offsets", "--group", "retail-readers", "--topic", "retail", "--to-earliest", "--dry-run"]);
        Assert.Matches(@"GROUP\s+TOPIC\s+PARTITION\s+NEW-OFFSET", dryRun.StdOut);
        Assert.All(await DescribeGroup(b), row => Assert.Equal(row.LogEnd, row.Current));

        var reset = await Run("kafka-consumer-groups.sh", ["--bootstrap-server", b, "--reset-offsets", "--group", "retail-readers", "--topic", "retail", "--to-earliest", "--execute"]);
        Assert.Equal(3, Lines(reset.StdOut).Count(l => l.StartsWith("retail-readers", StringComparison.Ordinal)));
        var rewound = await DescribeGroup(b);
        Assert.True(
            rewound.All(row => row.Current == 0) && rewound.Sum(row => row.Lag) == LineCount,
            "after --to-earliest --execute: " + string.Join("; ", rewound));

        // The group reads everything again, and --timeout-ms ends a consumer that has caught up.
        var again = await Run("kafka-console-consumer.sh", ["--bootstrap-server", b, "--topic", "retail", "--group", "retail-readers", "--timeout-ms", "10000"]);
        Assert.Equal(LineCount, Lines(again.StdOut).Count);
        Assert.Contains($"Processed a total of {LineCount} messages", again.StdErr, StringComparison.Ordinal);
    }

    private async Task<List<(int Partition, long Current, long LogEnd, long Lag)>> DescribeGroup(string bootstrap)
    {
        var describe = await Run("kafka-consumer-groups.sh", ["--bootstrap-server", bootstrap, "--describe", "--group", "retail-readers"]);
        var rows = new List<(int, long, long, long)>();
        foreach (var line in Lines(describe.StdOut))
        {
            var cells = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cells.Length >= 6 && cells[0] == "retail-readers" && cells[1] == "retail")
            {
                rows.Add((int.Parse(cells[2], CultureInfo.InvariantCulture), ParseOffset(cells[3]), ParseOffset(cells[4]), ParseOffset(cells[5])));
            }
        }

        Assert.True(rows.Count > 0, describe.ToString());
        return rows;
    }

    private static long ParseOffset(string cell) => cell == "-" ? -1 : long.Parse(cell, CultureInfo.InvariantCulture);

    private static async Task<ProcessRunner.Result> Run(string script, string[] args, string? stdin = null)
    {
        var result = await KafkaScripts.RunAsync(script, args, stdin);
        Assert.True(result.ExitCode == 0, $"{script} {string.Join(' ', args)}\n{result}");
        return result;
    }

    private static List<string> Lines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();

    private static List<(string Key, string Value)> WebLog()
    {
        var paths = new[] { "/", "/products/42", "/cart", "/checkout", "/search?q=shoes" };
        var lines = new List<(string, string)>(LineCount);
        for (var i = 0; i < LineCount; i++)
        {
            var ip = $"10.0.0.{i % 12}";
            var time = new DateTime(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc).AddSeconds(i).ToString("dd/MMM/yyyy:HH:mm:ss +0000", CultureInfo.InvariantCulture);
            lines.Add((ip, $"{ip} - - [{time}] \"GET {paths[i % paths.Length]} HTTP/1.1\" 200 {512 + i}"));
        }

        return lines;
    }
}
