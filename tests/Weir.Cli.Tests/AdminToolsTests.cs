using System.Diagnostics;
using System.Globalization;
using Weir.Client.Admin;

namespace Weir.Cli.Tests;

/// <summary>The admin-side tools through bin/kafka-*.sh: Kafka's flags, exact output lines and exit codes.</summary>
public sealed class AdminToolsTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private static string Name(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private static List<string> Lines(string output) => [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'))];

    private async Task<ProcessRunner.Result> Run(string script, params string[] args)
    {
        var result = await KafkaScripts.RunAsync(script, ["--bootstrap-server", broker.Bootstrap, .. args]);
        return result;
    }

    private async Task Produce(string topic, int partition, params string[] keyValues)
    {
        var kcat = await ProcessRunner.RunAsync("kcat", ["-P", "-b", broker.Bootstrap, "-t", topic, "-p", partition.ToString(CultureInfo.InvariantCulture), "-K", ":"], string.Join('\n', keyValues) + "\n");
        Assert.True(kcat.ExitCode == 0, kcat.ToString());
    }

    private KafkaAdminClient Admin() => new(new AdminOptions { BootstrapServers = broker.Bootstrap });

    [Fact]
    public async Task Topics_create_describe_alter_list_and_delete_print_what_Kafka_prints()
    {
        var topic = Name("retail");
        var create = await Run("kafka-topics.sh", "--create", "--topic", topic, "--partitions", "2", "--replication-factor", "1", "--config", "retention.ms=100000");
        Assert.True(create.ExitCode == 0, create.ToString());
        Assert.Equal($"Created topic {topic}.\n", create.StdOut);

        var again = await Run("kafka-topics.sh", "--create", "--topic", topic, "--partitions", "2");
        Assert.Equal(1, again.ExitCode);
        Assert.Equal($"Error while executing topic command : Topic '{topic}' already exists.\n", again.StdOut);
        var quiet = await Run("kafka-topics.sh", "--create", "--topic", topic, "--if-not-exists");
        Assert.True(quiet.ExitCode == 0 && quiet.StdOut.Length == 0, quiet.ToString());

        await using var admin = Admin();
        var node = (await admin.DescribeClusterAsync()).Brokers[0].Id;
        var id = (await admin.DescribeTopicAsync(topic)).TopicId;
        var idText = Convert.ToBase64String(id.ToByteArray(bigEndian: true)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        var describe = await Run("kafka-topics.sh", "--describe", "--topic", topic[..^3] + ".*");
        Assert.True(describe.ExitCode == 0, describe.ToString());
        var lines = Lines(describe.StdOut);
        Assert.Equal(3, lines.Count);
        Assert.StartsWith($"Topic: {topic}\tTopicId: {idText}\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: ", lines[0], StringComparison.Ordinal);
        Assert.Contains("retention.ms=100000", lines[0], StringComparison.Ordinal);
        for (var p = 0; p < 2; p++)
        {
            Assert.Equal($"\tTopic: {topic}\tPartition: {p}\tLeader: {node}\tReplicas: {node}\tIsr: {node}\tElr: N/A\tLastKnownElr: N/A", lines[p + 1]);
        }

        var underReplicated = await Run("kafka-topics.sh", "--describe", "--topic", topic, "--under-replicated-partitions");
        Assert.True(underReplicated.ExitCode == 0 && underReplicated.StdOut.Length == 0, underReplicated.ToString());
        var overrides = await Run("kafka-topics.sh", "--describe", "--topics-with-overrides", "--exclude-internal");
        Assert.Contains(Lines(overrides.StdOut), l => l.StartsWith($"Topic: {topic}\t", StringComparison.Ordinal));
        Assert.DoesNotContain(Lines(overrides.StdOut), l => l.StartsWith('\t'));

        var alter = await Run("kafka-topics.sh", "--alter", "--topic", topic, "--partitions", "4");
        Assert.True(alter.ExitCode == 0 && alter.StdOut.Length == 0, alter.ToString());
        Assert.Equal(4, (await admin.DescribeTopicAsync(topic)).Partitions.Count);
        var shrink = await Run("kafka-topics.sh", "--alter", "--topic", topic, "--partitions", "1");
        Assert.Equal(1, shrink.ExitCode);
        Assert.StartsWith("Error while executing topic command : ", shrink.StdOut, StringComparison.Ordinal);

        var list = await Run("kafka-topics.sh", "--list");
        Assert.Contains(topic, Lines(list.StdOut));

        var delete = await Run("kafka-topics.sh", "--delete", "--topic", topic);
        Assert.True(delete.ExitCode == 0, delete.ToString());
        Assert.DoesNotContain(topic, Lines((await Run("kafka-topics.sh", "--list")).StdOut));

        var missing = await Run("kafka-topics.sh", "--describe", "--topic", topic);
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal($"Topic '{topic}' does not exist as expected", missing.StdErr.Trim());
        var ifExists = await Run("kafka-topics.sh", "--delete", "--topic", topic, "--if-exists");
        Assert.True(ifExists.ExitCode == 0, ifExists.ToString());
    }

    [Fact]
    public async Task Zookeeper_flag_is_refused_with_what_to_pass_instead()
    {
        var result = await KafkaScripts.RunAsync("kafka-topics.sh", ["--zookeeper", "localhost:2181", "--list"]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--bootstrap-server", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("ZooKeeper", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_flag_prints_usage_and_exits_1()
    {
        var result = await KafkaScripts.RunAsync("kafka-consumer-groups.sh", ["--bootstrap-server", broker.Bootstrap, "--lsit"]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--lsit", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("Usage:", result.StdOut + result.StdErr, StringComparison.Ordinal);

        var noAction = await KafkaScripts.RunAsync("kafka-topics.sh", ["--bootstrap-server", broker.Bootstrap, "--topic", "x"]);
        Assert.Equal(1, noAction.ExitCode);
        Assert.Contains("Command must include exactly one action: --list, --describe, --create, --alter or --delete", noAction.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Consumer_groups_describe_reset_delete_offsets_and_delete()
    {
        var topic = Name("cg");
        var group = Name("g");
        await Run("kafka-topics.sh", "--create", "--topic", topic, "--partitions", "2");
        await Produce(topic, 0, "a:1", "b:2", "c:3", "d:4");
        await Produce(topic, 1, "e:5", "f:6");
        var kcat = await ProcessRunner.RunAsync("kcat", ["-b", broker.Bootstrap, "-G", group, "-X", "auto.offset.reset=earliest", "-e", "-q", topic], timeout: TimeSpan.FromSeconds(60));
        Assert.True(kcat.ExitCode == 0, kcat.ToString());

        var list = await Run("kafka-consumer-groups.sh", "--list", "--state");
        Assert.Matches($@"(?m)^{group}\s+Empty\s*$", list.StdOut);

        var describe = await Run("kafka-consumer-groups.sh", "--describe", "--group", group);
        Assert.True(describe.ExitCode == 0, describe.ToString());
        Assert.Contains($"Consumer group '{group}' has no active members.", describe.StdErr, StringComparison.Ordinal);
        var rows = Lines(describe.StdOut);
        Assert.Matches(@"^GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG\s+CONSUMER-ID\s+HOST\s+CLIENT-ID$", rows[0]);
        Assert.Matches($@"^{group}\s+{topic}\s+0\s+4\s+4\s+0\s+-\s+-\s+-$", rows[1]);
        Assert.Matches($@"^{group}\s+{topic}\s+1\s+2\s+2\s+0\s+-\s+-\s+-$", rows[2]);

        var dryRun = await Run("kafka-consumer-groups.sh", "--reset-offsets", "--group", group, "--topic", $"{topic}:0", "--to-offset", "1", "--dry-run");
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Equal(["GROUP                          TOPIC                          PARTITION  NEW-OFFSET     ", $"{group.PadRight(30)} {topic.PadRight(30)} 0          1              "], Lines(dryRun.StdOut));

        var execute = await Run("kafka-consumer-groups.sh", "--reset-offsets", "--group", group, "--all-topics", "--shift-by", "-1", "--execute");
        Assert.True(execute.ExitCode == 0, execute.ToString());
        Assert.Matches($@"(?m)^{group}\s+{topic}\s+0\s+3\s*$", execute.StdOut);
        Assert.Matches($@"(?m)^{group}\s+{topic}\s+1\s+1\s*$", execute.StdOut);
        var lagging = await Run("kafka-consumer-groups.sh", "--describe", "--group", group, "--offsets");
        Assert.Matches($@"(?m)^{group}\s+{topic}\s+0\s+3\s+4\s+1\s", lagging.StdOut);

        var early = await Run("kafka-consumer-groups.sh", "--reset-offsets", "--group", group, "--topic", topic, "--to-earliest", "--execute");
        Assert.Equal(2, Lines(early.StdOut).Count(l => l.StartsWith(group, StringComparison.Ordinal) && l.TrimEnd().EndsWith(" 0", StringComparison.Ordinal)));

        var byDate = await Run("kafka-consumer-groups.sh", "--reset-offsets", "--group", group, "--topic", topic, "--to-datetime", "2000-01-01T00:00:00.000", "--dry-run");
        Assert.Equal(2, Lines(byDate.StdOut).Count(l => l.StartsWith(group, StringComparison.Ordinal) && l.TrimEnd().EndsWith(" 0", StringComparison.Ordinal)));
        var byDuration = await Run("kafka-consumer-groups.sh", "--reset-offsets", "--group", group, "--topic", topic, "--by-duration", "P1D", "--dry-run");
        Assert.Equal(2, Lines(byDuration.StdOut).Count(l => l.StartsWith(group, StringComparison.Ordinal) && l.TrimEnd().EndsWith(" 0", StringComparison.Ordinal)));
        var future = await Run("kafka-consumer-groups.sh", "--reset-offsets", "--group", group, "--topic", $"{topic}:0", "--to-datetime", "2999-01-01T00:00:00.000", "--dry-run");
        Assert.Contains($"Warn: Partition 0 from topic {topic} is empty. Falling back to latest known offset.", future.StdOut, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^{group}\s+{topic}\s+0\s+4\s*$", future.StdOut);

        var deleteOffsets = await Run("kafka-consumer-groups.sh", "--delete-offsets", "--group", group, "--topic", $"{topic}:1");
        Assert.True(deleteOffsets.ExitCode == 0, deleteOffsets.ToString());
        Assert.Contains($"Request succeed for deleting offsets with topic {topic}:1 group {group}", deleteOffsets.StdOut, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^{topic}\s+1\s+Successful", deleteOffsets.StdOut);

        var delete = await Run("kafka-consumer-groups.sh", "--delete", "--group", group);
        Assert.Equal($"Deletion of requested consumer groups ('{group}') was successful.\n", delete.StdOut);
        var gone = await Run("kafka-consumer-groups.sh", "--describe", "--group", group);
        Assert.Contains($"Error: Consumer group '{group}' does not exist.", gone.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Active_group_shows_its_members_and_refuses_a_reset()
    {
        var topic = Name("live");
        var group = Name("g");
        await Run("kafka-topics.sh", "--create", "--topic", topic, "--partitions", "2");
        using var consumer = Process.Start(new ProcessStartInfo("kcat", ["-b", broker.Bootstrap, "-G", group, "-q", "-X", "client.id=live-reader", topic]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            await using (var admin = Admin())
            {
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while ((await admin.DescribeGroupAsync(group)) is not { State: "Stable", Members: [{ Assignment.Count: 2 }] } && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
            }

            var members = await Run("kafka-consumer-groups.sh", "--describe", "--group", group, "--members", "--verbose");
            var rows = Lines(members.StdOut);
            Assert.Matches(@"^GROUP\s+CONSUMER-ID\s+HOST\s+CLIENT-ID\s+#PARTITIONS\s+ASSIGNMENT$", rows[0]);
            Assert.Matches($@"^{group}\s+\S+\s+\S+\s+live-reader\s+2\s+{topic}\(0,1\)$", rows[1]);

            var offsets = await Run("kafka-consumer-groups.sh", "--describe", "--group", group);
            Assert.Matches($@"(?m)^{group}\s+{topic}\s+0\s+-\s+0\s+-\s+\S+\s+\S+\s+live-reader$", offsets.StdOut);
            Assert.Matches($@"(?m)^{group}\s+{topic}\s+1\s+-\s+0\s+-\s+\S+\s+\S+\s+live-reader$", offsets.StdOut);

            var state = await Run("kafka-consumer-groups.sh", "--describe", "--group", group, "--state");
            Assert.Matches($@"(?m)^{group}\s+\S+:\d+\s+\(\d+\)\s+range\S*\s+Stable\s+1$", state.StdOut);

            var reset = await Run("kafka-consumer-groups.sh", "--reset-offsets", "--group", group, "--all-topics", "--to-earliest", "--execute");
            Assert.Equal(1, reset.ExitCode);
            Assert.Contains($"Error: Assignments can only be reset if the group '{group}' is inactive, but the current state is Stable.", reset.StdOut, StringComparison.Ordinal);
        }
        finally
        {
            consumer.Kill();
            await consumer.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Configs_alter_and_describe_topic_and_broker()
    {
        var topic = Name("cfg");
        await Run("kafka-topics.sh", "--create", "--topic", topic, "--partitions", "1");
        var alter = await Run("kafka-configs.sh", "--alter", "--entity-type", "topics", "--entity-name", topic, "--add-config", "retention.ms=1000,cleanup.policy=[compact,delete]");
        Assert.Equal($"Completed updating config for topic {topic}.\n", alter.StdOut);

        var describe = await Run("kafka-configs.sh", "--describe", "--topic", topic);
        Assert.Equal(
            [
                $"Dynamic configs for topic {topic} are:",
                "  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, DEFAULT_CONFIG:log.cleanup.policy=delete}",
                "  retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000, DEFAULT_CONFIG:log.retention.hours=168}",
            ],
            Lines(describe.StdOut));

        var delete = await Run("kafka-configs.sh", "--alter", "--topic", topic, "--delete-config", "retention.ms");
        Assert.True(delete.ExitCode == 0, delete.ToString());
        Assert.Equal(2, Lines((await Run("kafka-configs.sh", "--describe", "--topic", topic)).StdOut).Count);
        var invalid = await Run("kafka-configs.sh", "--alter", "--topic", topic, "--delete-config", "retention.ms");
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("Invalid config(s): retention.ms", invalid.StdErr, StringComparison.Ordinal);

        var all = await Run("kafka-configs.sh", "--describe", "--topic", topic, "--all");
        Assert.Contains("  segment.bytes=1073741824 sensitive=false synonyms={DEFAULT_CONFIG:log.segment.bytes=1073741824}", Lines(all.StdOut));

        await using var admin = Admin();
        var node = (await admin.DescribeClusterAsync()).Brokers[0].Id.ToString(CultureInfo.InvariantCulture);
        var brokerAlter = await Run("kafka-configs.sh", "--alter", "--entity-type", "brokers", "--entity-name", node, "--add-config", "log.cleaner.threads=2");
        Assert.Equal($"Completed updating config for broker {node}.\n", brokerAlter.StdOut);
        var brokerDescribe = await Run("kafka-configs.sh", "--describe", "--broker", node);
        Assert.Equal([$"Dynamic configs for broker {node} are:", "  log.cleaner.threads=2 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.cleaner.threads=2, DEFAULT_CONFIG:log.cleaner.threads=1}"], Lines(brokerDescribe.StdOut));
        await Run("kafka-configs.sh", "--alter", "--broker", node, "--delete-config", "log.cleaner.threads");
    }

    [Fact]
    public async Task Get_offsets_and_delete_records()
    {
        var topic = Name("offs");
        await Run("kafka-topics.sh", "--create", "--topic", topic, "--partitions", "2");
        await Produce(topic, 0, "a:1", "b:2", "c:3", "d:4", "e:5");
        await Produce(topic, 1, "f:6", "g:7");

        var latest = await Run("kafka-get-offsets.sh", "--topic", topic);
        Assert.Equal([$"{topic}:0:5", $"{topic}:1:2"], Lines(latest.StdOut));
        var earliest = await Run("kafka-get-offsets.sh", "--topic", topic, "--time", "-2", "--partitions", "0");
        Assert.Equal([$"{topic}:0:0"], Lines(earliest.StdOut));

        var json = Path.Combine(Path.GetTempPath(), Name("delete") + ".json");
        await File.WriteAllTextAsync(json, $$"""{"partitions":[{"topic":"{{topic}}","partition":0,"offset":3}],"version":1}""");
        try
        {
            var delete = await Run("kafka-delete-records.sh", "--offset-json-file", json);
            Assert.True(delete.ExitCode == 0, delete.ToString());
            Assert.Equal(["Executing records delete operation", "Records delete operation completed:", $"partition: {topic}-0\tlow_watermark: 3"], Lines(delete.StdOut));
        }
        finally
        {
            File.Delete(json);
        }

        var after = await Run("kafka-get-offsets.sh", "--topic", topic, "--time", "earliest");
        Assert.Equal([$"{topic}:0:3", $"{topic}:1:0"], Lines(after.StdOut));
    }

    [Fact]
    public async Task Dump_log_prints_batches_records_and_index_of_a_real_segment()
    {
        var topic = Name("dump");
        await Run("kafka-topics.sh", "--create", "--topic", topic, "--partitions", "1");
        await Produce(topic, 0, "k1:v1", "k2:v2", "k3:v3");
        var segment = Path.Combine(broker.DataDir, $"{topic}-0", "00000000000000000000");

        var dump = await KafkaScripts.RunAsync("kafka-dump-log.sh", ["--files", segment + ".log," + segment + ".index", "--print-data-log"]);
        Assert.True(dump.ExitCode == 0, dump.ToString());
        var lines = Lines(dump.StdOut);
        Assert.Equal($"Dumping {segment}.log", lines[0]);
        Assert.Equal("Log starting offset: 0", lines[1]);
        Assert.Matches(@"^baseOffset: 0 lastOffset: 2 count: 3 baseSequence: -?\d+ lastSequence: -?\d+ producerId: -?\d+ producerEpoch: -?\d+ partitionLeaderEpoch: 0 isTransactional: false isControl: false deleteHorizonMs: OptionalLong.empty position: 0 CreateTime: \d+ size: \d+ magic: 2 compresscodec: \w+ crc: \d+ isvalid: true$", lines[2]);
        for (var i = 0; i < 3; i++)
        {
            Assert.Matches($@"^\| offset: {i} CreateTime: \d+ keySize: 2 valueSize: 2 sequence: -?\d+ headerKeys: \[\] key: k{i + 1} payload: v{i + 1}$", lines[3 + i]);
        }

        Assert.Equal($"Dumping {segment}.index", lines[6]);
        Assert.Equal("offset: 0 position: 0", lines[7]);

        var shallow = await KafkaScripts.RunAsync("kafka-dump-log.sh", ["--files", segment + ".log"]);
        Assert.Equal(3, Lines(shallow.StdOut).Count);
    }

    [Fact]
    public async Task Log_dirs_describe_prints_Kafka_json_with_the_sizes_on_disk()
    {
        var topic = Name("dirs");
        await Run("kafka-topics.sh", "--create", "--topic", topic, "--partitions", "2");
        await Produce(topic, 0, "a:1", "b:2", "c:3");
        await using var admin = Admin();
        var node = (await admin.DescribeClusterAsync()).Brokers[0].Id;
        var logDir = Path.GetFullPath(broker.DataDir);
        var size0 = new FileInfo(Path.Combine(logDir, $"{topic}-0", "00000000000000000000.log")).Length;
        Assert.True(size0 > 0);

        var result = await Run("kafka-log-dirs.sh", "--describe", "--topic-list", topic);
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = Lines(result.StdOut);
        Assert.Equal(3, lines.Count);
        Assert.Equal("Querying brokers for log directories information", lines[0]);
        Assert.Equal($"Received log directory information from brokers {node}", lines[1]);
        Assert.Equal(
            $$"""{"brokers":[{"broker":{{node}},"logDirs":[{"partitions":[{"partition":"{{topic}}-0","size":{{size0}},"offsetLag":0,"isFuture":false},{"partition":"{{topic}}-1","size":0,"offsetLag":0,"isFuture":false}],"error":null,"logDir":"{{logDir}}"}]}],"version":1}""",
            lines[2]);

        // No --topic-list: every partition of the broker, so other tests' topics and the offsets topic too.
        var all = await Run("kafka-log-dirs.sh", "--describe", "--broker-list", node.ToString(CultureInfo.InvariantCulture));
        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.Contains($"\"partition\":\"{topic}-1\"", all.StdOut, StringComparison.Ordinal);

        var unknownBroker = await Run("kafka-log-dirs.sh", "--describe", "--broker-list", "4242");
        Assert.Equal(1, unknownBroker.ExitCode);
        Assert.Contains($"The given brokers do not exist from --broker-list: 4242. Current existent brokers: {node}", unknownBroker.StdErr, StringComparison.Ordinal);
        var noAction = await Run("kafka-log-dirs.sh", "--topic-list", topic);
        Assert.Equal(1, noAction.ExitCode);
    }

    [Fact]
    public async Task Topics_describe_min_isr_reports_list_only_matching_partitions()
    {
        var strict = Name("minisr");
        var loose = Name("atisr");
        await Run("kafka-topics.sh", "--create", "--topic", strict, "--partitions", "2", "--config", "min.insync.replicas=2");
        await Run("kafka-topics.sh", "--create", "--topic", loose, "--partitions", "1");
        await using var admin = Admin();
        var node = (await admin.DescribeClusterAsync()).Brokers[0].Id;
        string Line(string topic, int p) => $"\tTopic: {topic}\tPartition: {p}\tLeader: {node}\tReplicas: {node}\tIsr: {node}\tElr: N/A\tLastKnownElr: N/A";

        // One replica in the ISR: below a minimum of 2, at the default minimum of 1.
        var under = await Run("kafka-topics.sh", "--describe", "--under-min-isr-partitions", "--exclude-internal");
        Assert.True(under.ExitCode == 0, under.ToString());
        var underLines = Lines(under.StdOut);
        Assert.Equal([Line(strict, 0), Line(strict, 1)], underLines.Where(l => l.Contains(strict, StringComparison.Ordinal)));
        Assert.DoesNotContain(underLines, l => l.Contains(loose, StringComparison.Ordinal) || l.StartsWith("Topic:", StringComparison.Ordinal));

        var at = await Run("kafka-topics.sh", "--describe", "--at-min-isr-partitions", "--topic", loose);
        Assert.True(at.ExitCode == 0, at.ToString());
        Assert.Equal([Line(loose, 0)], Lines(at.StdOut));
        var atStrict = await Run("kafka-topics.sh", "--describe", "--at-min-isr-partitions", "--topic", strict);
        Assert.True(atStrict.ExitCode == 0 && atStrict.StdOut.Length == 0, atStrict.ToString());
        var unavailable = await Run("kafka-topics.sh", "--describe", "--unavailable-partitions", "--topic", strict);
        Assert.True(unavailable.ExitCode == 0 && unavailable.StdOut.Length == 0, unavailable.ToString());

        var both = await Run("kafka-topics.sh", "--describe", "--at-min-isr-partitions", "--under-min-isr-partitions");
        Assert.Equal(1, both.ExitCode);
        Assert.Contains("can't be used with option", both.StdErr + both.StdOut, StringComparison.Ordinal);
        var withoutDescribe = await Run("kafka-topics.sh", "--list", "--under-min-isr-partitions");
        Assert.Equal(1, withoutDescribe.ExitCode);
    }
}
