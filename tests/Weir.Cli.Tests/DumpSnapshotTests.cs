using Weir.Broker.Config;
using Weir.Broker.Controller;
using Weir.Broker.Metadata;
using Weir.Storage;
using Weir.Storage.Log;
using Weir.Storage.Snapshots;

namespace Weir.Cli.Tests;

/// <summary>kafka-dump-log.sh reads a metadata snapshot as Kafka's does: its end offset and epoch, then its batches.</summary>
public sealed class DumpSnapshotTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "weir-dump-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Dump_log_prints_a_metadata_snapshot_header_batches_and_footer()
    {
        SnapshotId id;
        var logDir = Path.Combine(_dir, MetadataLog.Partition.ToString());
        using (var partitionLog = PartitionLog.Open(logDir, MetadataLog.Partition, LogConfig.Default with { Internal = true }, new PartitionLogOptions { Validator = BatchValidator.Instance, HadCleanShutdown = true }))
        {
            var log = new MetadataLog(partitionLog, TimeProvider.System);
            var quorum = new LocalMetadataQuorum(log);
            var loader = new MetadataLoader("dump-cluster");
            quorum.Register(loader);
            using var controller = new QuorumController(quorum, BrokerConfig.FromProperties(new Dictionary<string, string> { ["log.dirs"] = _dir }), localCapacity: null);
            quorum.Start();
            await controller.RegisterBrokerAsync(new BrokerRegistrationInfo(1, Guid.NewGuid(), "PLAINTEXT", "127.0.0.1", 9092, null));
            await controller.CreateTopicAsync(new TopicCreation("dumped", 3, 1, null, new Dictionary<string, string?>()), validateOnly: false);
            id = log.WriteSnapshot(loader.Image)!.Value;
        }

        var file = SnapshotFiles.PathOf(logDir, id);
        var dump = await KafkaScripts.RunAsync("kafka-dump-log.sh", ["--files", file, "--deep-iteration"]);
        Assert.True(dump.ExitCode == 0, dump.ToString());
        var lines = dump.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"Dumping {file}", lines[0]);
        Assert.Equal($"Snapshot end offset: {id.EndOffset}, epoch: 0", lines[1]);
        var batches = lines.Where(l => l.StartsWith("baseOffset:", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, batches.Count); // header, the image's 5 records (broker, topic, 3 partitions), footer
        Assert.StartsWith("baseOffset: 0 lastOffset: 0 count: 1 ", batches[0], StringComparison.Ordinal);
        Assert.Contains(" isControl: true ", batches[0], StringComparison.Ordinal);
        Assert.StartsWith("baseOffset: 1 lastOffset: 5 count: 5 ", batches[1], StringComparison.Ordinal);
        Assert.StartsWith("baseOffset: 6 lastOffset: 6 count: 1 ", batches[2], StringComparison.Ordinal);
        Assert.Contains(" isControl: true ", batches[2], StringComparison.Ordinal);
        Assert.All(batches, b => Assert.Contains(" isvalid: true", b, StringComparison.Ordinal));
        Assert.Matches(@"^\| offset: 0 CreateTime: \d+ keySize: 4 valueSize: \d+ .* SnapshotHeader \{""version"":0,""lastContainedLogTimestamp"":\d+\}$", lines[3]);
        Assert.Matches(@"^\| offset: 6 CreateTime: \d+ keySize: 4 .* SnapshotFooter \{""version"":0\}$", lines[^1]);
    }
}
