using Weir.Storage.Checkpoints;

namespace Weir.Storage.Tests;

public class LogManagerTests
{
    private static LogManager Open(TempDir dir, int nodeId = 1, string cluster = "c1", params string[] subDirs) =>
        LogManager.Open(new LogManagerOptions
        {
            LogDirs = subDirs.Length == 0 ? [dir.Combine("data")] : [.. subDirs.Select(s => dir.Combine(s))],
            ClusterId = cluster,
            NodeId = nodeId,
            Validator = TestBatchValidator.Instance,
        });

    [Fact]
    public void Clean_restart_preserves_offsets_data_epochs_and_consumes_the_marker()
    {
        using var dir = new TempDir();
        var tp = new TopicPartition("orders-eu", 3);
        byte[] before;
        using (var manager = Open(dir))
        {
            var log = manager.GetOrCreateLog(tp, LogConfig.Default with { SegmentBytes = 500 });
            for (var i = 0; i < 20; i++)
            {
                LogFixture.Append(log, 3, epoch: i < 10 ? 1 : 4);
            }

            log.DeleteRecordsBefore(7);
            before = log.Read(30, 1 << 20, long.MaxValue, true).ToArray();
            manager.Shutdown();
        }

        Assert.True(File.Exists(dir.Combine("data", ".kafka_cleanshutdown")));
        Assert.True(Directory.Exists(dir.Combine("data", "orders-eu-3")));
        using (var manager = Open(dir))
        {
            Assert.True(manager.HadCleanShutdown);
            Assert.False(File.Exists(dir.Combine("data", ".kafka_cleanshutdown")));
            var log = manager.GetLog(tp)!;
            Assert.NotNull(log);
            Assert.Equal((7L, 60L, 60L, 60L), (log.LogStartOffset, log.LogEndOffset, log.HighWatermark, log.RecoveryPoint));
            Assert.Equal(before, log.Read(30, 1 << 20, long.MaxValue, true).ToArray());
            Assert.Equal([new EpochEntry(1, 7), new EpochEntry(4, 30)], log.LeaderEpochCache.Entries);
            Assert.Equal(new EpochEntry(1, 30), log.EndOffsetForEpoch(2));
            Assert.Equal(new EpochEntry(4, 60), log.EndOffsetForEpoch(4));
            Assert.Equal(new EpochEntry(-1, -1), log.EndOffsetForEpoch(5));
            Assert.Equal(60, LogFixture.Append(log, 1, epoch: 5).BaseOffset);
            Assert.Equal(new EpochEntry(4, 60), log.EndOffsetForEpoch(4));
        }
    }

    [Fact]
    public void Unclean_restart_has_no_marker_and_recovers()
    {
        using var dir = new TempDir();
        var tp = new TopicPartition("t", 0);
        var manager = Open(dir);
        var log = manager.GetOrCreateLog(tp);
        LogFixture.Append(log, 5);
        log.Dispose(); // crash: nothing closed cleanly, no marker

        using var reopened = Open(dir);
        Assert.False(reopened.HadCleanShutdown);
        Assert.Equal(5, reopened.GetLog(tp)!.LogEndOffset);
    }

    [Fact]
    public void Checkpoint_files_use_kafkas_text_format()
    {
        using var dir = new TempDir();
        using (var manager = Open(dir))
        {
            LogFixture.Append(manager.GetOrCreateLog(new TopicPartition("b", 1)), 4);
            LogFixture.Append(manager.GetOrCreateLog(new TopicPartition("a", 0)), 2, epoch: 3);
            manager.GetLog(new TopicPartition("a", 0))!.DeleteRecordsBefore(1);
            manager.Shutdown();
        }

        Assert.Equal("0\n2\na 0 2\nb 1 4\n", File.ReadAllText(dir.Combine("data", "recovery-point-offset-checkpoint")));
        Assert.Equal("0\n2\na 0 1\nb 1 0\n", File.ReadAllText(dir.Combine("data", "log-start-offset-checkpoint")));
        Assert.Equal("0\n2\na 0 2\nb 1 4\n", File.ReadAllText(dir.Combine("data", "replication-offset-checkpoint")));
        Assert.Equal("0\n1\n3 1\n", File.ReadAllText(dir.Combine("data", "a-0", "leader-epoch-checkpoint")));
        Assert.Empty(Directory.GetFiles(dir.Combine("data"), "*.tmp"));
    }

    [Fact]
    public void Meta_properties_is_written_once_and_checked_on_later_starts()
    {
        using var dir = new TempDir();
        string directoryId;
        using (var manager = Open(dir))
        {
            directoryId = manager.DirectoryId(dir.Combine("data"));
        }

        var meta = MetaProperties.Read(dir.Combine("data"))!;
        Assert.Equal((1, "c1", 1, directoryId), (meta.Version, meta.ClusterId, meta.NodeId, meta.DirectoryId));
        Assert.Equal(22, directoryId.Length);
        var text = File.ReadAllText(dir.Combine("data", "meta.properties"));
        Assert.Contains("version=1\n", text, StringComparison.Ordinal);
        Assert.Contains("node.id=1\n", text, StringComparison.Ordinal);

        using (var again = Open(dir))
        {
            Assert.Equal(directoryId, again.DirectoryId(dir.Combine("data")));
        }

        Assert.Throws<InvalidDataException>(() => Open(dir, nodeId: 2));
        Assert.Throws<InvalidDataException>(() => Open(dir, cluster: "other"));
    }

    [Fact]
    public void Several_log_dirs_spread_partitions_and_reload_them()
    {
        using var dir = new TempDir();
        using (var manager = Open(dir, 1, "c1", "d1", "d2"))
        {
            for (var p = 0; p < 4; p++)
            {
                LogFixture.Append(manager.GetOrCreateLog(new TopicPartition("t", p)), p + 1);
            }

            Assert.NotEqual(manager.DirectoryId(dir.Combine("d1")), manager.DirectoryId(dir.Combine("d2")));
        }

        Assert.Equal(2, Directory.GetDirectories(dir.Combine("d1")).Length);
        Assert.Equal(2, Directory.GetDirectories(dir.Combine("d2")).Length);
        using var reopened = Open(dir, 1, "c1", "d1", "d2");
        for (var p = 0; p < 4; p++)
        {
            Assert.Equal(p + 1, reopened.GetLog(new TopicPartition("t", p))!.LogEndOffset);
        }
    }

    [Fact]
    public void DeleteTopic_removes_its_partition_directories_only()
    {
        using var dir = new TempDir();
        using var manager = Open(dir);
        LogFixture.Append(manager.GetOrCreateLog(new TopicPartition("gone", 0)), 1);
        LogFixture.Append(manager.GetOrCreateLog(new TopicPartition("gone", 1)), 1);
        LogFixture.Append(manager.GetOrCreateLog(new TopicPartition("gone-x", 0)), 1);
        Directory.CreateDirectory(dir.Combine("data", "old-0.0123abcd-delete")); // left by a crash mid-delete

        Assert.Equal(2, manager.DeleteTopic("gone"));
        Assert.Null(manager.GetLog(new TopicPartition("gone", 0)));
        Assert.Equal(["gone-x-0"], Directory.GetDirectories(dir.Combine("data")).Select(d => Path.GetFileName(d)!).Where(n => n.StartsWith("gone", StringComparison.Ordinal)));
        manager.Shutdown();

        using var reopened = Open(dir);
        Assert.False(Directory.Exists(dir.Combine("data", "old-0.0123abcd-delete")));
        Assert.Single(reopened.AllLogs);
    }

    [Fact]
    public void RunRetention_and_flush_run_over_every_log()
    {
        using var dir = new TempDir();
        using var manager = Open(dir);
        var config = LogConfig.Default with { SegmentBytes = TestBatches.Batch(2).Length, RetentionBytes = 0, FileDeleteDelayMs = 0, FlushMs = 0 };
        var log = manager.GetOrCreateLog(new TopicPartition("r", 0), config);
        for (var i = 0; i < 5; i++)
        {
            LogFixture.Append(log, 2);
        }

        manager.FlushDirtyLogs(long.MaxValue / 2);
        Assert.Equal(10, log.RecoveryPoint);
        Assert.True(manager.RunRetention(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) >= 4);
        Assert.Equal(10, log.LogStartOffset);
    }

    [Fact]
    public void Dir_names_parse_like_kafka()
    {
        Assert.True(LogManager.TryParseDirName("my-topic-12", out var tp));
        Assert.Equal(new TopicPartition("my-topic", 12), tp);
        Assert.False(LogManager.TryParseDirName("t-0.abc-delete", out _));
        Assert.False(LogManager.TryParseDirName("t-0.abc-future", out _));
        Assert.False(LogManager.TryParseDirName("noPartition", out _));
    }
}
