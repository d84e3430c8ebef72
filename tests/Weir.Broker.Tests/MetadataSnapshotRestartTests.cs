using Microsoft.Extensions.DependencyInjection;
using Weir.Broker.Metadata;
using Weir.Client.Admin;
using Weir.Storage.Snapshots;

namespace Weir.Broker.Tests;

/// <summary>
/// A broker with small snapshot and segment thresholds: many topics make it snapshot the metadata log
/// and drop its oldest segments; after a restart every topic is still there, read from the snapshot.
/// </summary>
public sealed class MetadataSnapshotRestartTests : IDisposable
{
    private const int Topics = 60;

    private static readonly Dictionary<string, string> Small = new()
    {
        ["metadata.log.max.record.bytes.between.snapshots"] = "4096",
        ["log.segment.bytes"] = "2048",
        ["log.segment.delete.delay.ms"] = "0",
    };

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "weir-test-" + Guid.NewGuid().ToString("N"));

    private string MetadataDir => Path.Combine(_dataDir, MetadataLog.Partition.ToString());

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Topics_survive_a_restart_from_a_snapshot_of_a_trimmed_metadata_log()
    {
        long logStart;
        await using (var host = await BrokerFixture.StartAsync(_dataDir, Small))
        {
            await using var admin = NewAdmin(host);
            for (var i = 0; i < Topics; i++)
            {
                await admin.CreateTopicAsync(new NewTopic($"snap-{i}", 2, 1));
            }

            // Snapshots are written in the background: wait until one has trimmed the first segment away.
            var log = host.Services.GetRequiredService<BrokerRuntime>().Logs.GetLog(MetadataLog.Partition)!;
            var first = Path.Combine(MetadataDir, "00000000000000000000.log");
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((log.LogStartOffset == 0 || File.Exists(first)) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            logStart = log.LogStartOffset;
            Assert.True(logStart > 0 && !File.Exists(first), $"no snapshot trimmed the metadata log's first segment within 30 s (log start {logStart})");
        }

        var snapshots = SnapshotFiles.List(MetadataDir);
        Assert.InRange(snapshots.Count, 1, MetadataLog.RetainedSnapshots);
        Assert.Empty(Directory.GetFiles(MetadataDir, "*.part"));
        Assert.NotEmpty(Directory.GetFiles(MetadataDir, "*.log"));

        await using (var host = await BrokerFixture.StartAsync(_dataDir, Small))
        {
            await using var admin = NewAdmin(host);
            var names = (await admin.ListTopicsAsync()).Select(t => t.Name).ToHashSet();
            for (var i = 0; i < Topics; i++)
            {
                Assert.Contains($"snap-{i}", names);
            }

            var log = host.Services.GetRequiredService<BrokerRuntime>().Logs.GetLog(MetadataLog.Partition)!;
            Assert.Equal(SnapshotFiles.List(MetadataDir)[0].EndOffset, log.LogStartOffset);
            Assert.True(log.LogStartOffset >= logStart);
        }
    }

    private static KafkaAdminClient NewAdmin(BrokerHost host) =>
        new(new AdminOptions { BootstrapServers = $"127.0.0.1:{host.BoundEndPoints[0].Port}", DefaultApiTimeout = TimeSpan.FromSeconds(20) });
}
