using Weir.Storage.Log;
using Weir.Testing;

namespace Weir.Storage.Tests;

/// <summary>
/// I/O errors on the write path, on a real full file system (tmpfs) and a real vanished directory:
/// a full disk answers KAFKA_STORAGE_ERROR, keeps nothing half-written and passes once space is freed;
/// other errors take only their log dir offline; shutdown never throws.
/// </summary>
public sealed class StorageErrorTests
{
    private static readonly TopicPartition Tp = new("full", 0);

    private static LogManager Open(params string[] dirs) => LogManager.Open(new LogManagerOptions
    {
        LogDirs = dirs,
        ClusterId = "c1",
        NodeId = 1,
        Validator = TestBatchValidator.Instance,
    });

    /// <summary>Appends 1 KiB batches until one fails; returns the results of those that worked (bounded).</summary>
    private static List<AppendResult> AppendUntilFailure(PartitionLog log, out AppendResult failed)
    {
        var worked = new List<AppendResult>();
        for (var i = 0; i < 10_000; i++)
        {
            var result = log.Append(TestBatches.Batch(8, valueSize: 128), 0);
            if (result.Error != LogError.None)
            {
                failed = result;
                return worked;
            }

            worked.Add(result);
        }

        throw new InvalidOperationException("The disk never filled up.");
    }

    [Fact]
    public void A_full_disk_answers_KafkaStorageError_keeps_nothing_half_written_and_passes_once_space_is_freed()
    {
        using var fs = new Tmpfs("2m");
        var events = new List<LogDirEvent>();
        using var manager = Open(fs.Combine("data"));
        manager.LogDirEvent += events.Add;
        var log = manager.GetOrCreateLog(Tp);
        Assert.Equal(LogError.None, log.Append(TestBatches.Batch(8, valueSize: 128), 0).Error);

        fs.Fill();
        var worked = AppendUntilFailure(log, out var failed);
        Assert.Equal(LogError.KafkaStorageError, failed.Error);
        var endAtFailure = log.LogEndOffset;
        var sizeAtFailure = log.Size;
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(LogError.KafkaStorageError, log.Append(TestBatches.Batch(8, valueSize: 128), 0).Error);
        }

        // Nothing of the failed appends stayed: end offset, published size and the file agree.
        Assert.Equal(endAtFailure, log.LogEndOffset);
        Assert.Equal(sizeAtFailure, log.Size);
        Assert.Equal(sizeAtFailure, new FileInfo(LogFileNames.LogFile(log.Directory, 0)).Length);
        Assert.False(log.IsOffline);
        Assert.Empty(manager.OfflineLogDirs);
        var failing = Assert.Single(events);
        Assert.Equal(LogDirEventKind.AppendsFailing, failing.Kind);
        Assert.True(StorageErrors.IsDiskFull(failing.Error!));

        fs.Free();
        var after = log.Append(TestBatches.Batch(8, valueSize: 128), 0);
        Assert.Equal(LogError.None, after.Error);
        Assert.Equal(endAtFailure, after.BaseOffset);
        Assert.Equal(LogDirEventKind.AppendsRecovered, events[^1].Kind);
        Assert.Equal(2, events.Count);

        // Every batch is there, offsets contiguous, read back whole.
        log.UpdateHighWatermark(log.LogEndOffset);
        var data = log.Read(0, 64 << 20, long.MaxValue, minOneBatch: true);
        var buffer = new byte[data.Length];
        data.CopyTo(buffer);
        var batches = TestBatches.Split(buffer);
        Assert.Equal(worked.Count + 2, batches.Count);
        for (var i = 0; i < batches.Count; i++)
        {
            Assert.Equal(i * 8L, batches[i].BaseOffset);
        }
    }

    [Fact]
    public void Shutdown_on_a_full_disk_does_not_throw_and_the_next_start_recovers_everything_appended()
    {
        using var fs = new Tmpfs("2m");
        long end;
        using (var manager = Open(fs.Combine("data")))
        {
            var events = new List<LogDirEvent>();
            manager.LogDirEvent += events.Add;
            var log = manager.GetOrCreateLog(Tp);
            fs.Fill();
            AppendUntilFailure(log, out _);
            end = log.LogEndOffset;
            manager.Shutdown();
            Assert.Contains(events, e => e.Kind == LogDirEventKind.CloseFailed);
        }

        Assert.False(File.Exists(fs.Combine("data", LogManager.CleanShutdownFileName)));
        fs.Free();
        using (var manager = Open(fs.Combine("data")))
        {
            Assert.False(manager.HadCleanShutdown);
            Assert.Equal(end, manager.GetLog(Tp)!.LogEndOffset);
        }
    }

    [Fact]
    public void An_IO_error_other_than_a_full_disk_takes_only_its_log_dir_offline()
    {
        using var dir = new TempDir();
        var events = new List<LogDirEvent>();
        using var manager = Open(dir.Combine("a"), dir.Combine("b"));
        manager.LogDirEvent += events.Add;
        var config = LogConfig.Default with { SegmentBytes = 4096 };
        var broken = manager.GetOrCreateLog(new TopicPartition("t", 0), config);
        var healthy = manager.GetOrCreateLog(new TopicPartition("t", 1), config);
        Assert.NotEqual(Path.GetDirectoryName(broken.Directory), Path.GetDirectoryName(healthy.Directory));
        Assert.Equal(LogError.None, broken.Append(TestBatches.Batch(8, valueSize: 128), 0).Error);

        // The partition directory vanishes under the broker: the next roll cannot create its segment (ENOENT).
        Directory.Delete(broken.Directory, recursive: true);
        AppendResult failed = default;
        for (var i = 0; i < 100 && failed.Error == LogError.None; i++)
        {
            failed = broken.Append(TestBatches.Batch(8, valueSize: 128), 0);
        }

        Assert.Equal(LogError.KafkaStorageError, failed.Error);
        Assert.True(broken.IsOffline);
        var offlineDir = Assert.Single(manager.OfflineLogDirs).Key;
        Assert.Equal(Path.GetDirectoryName(broken.Directory), offlineDir);
        Assert.Equal(LogDirEventKind.DirOffline, Assert.Single(events).Kind);

        // Offline stays offline; the other dir keeps serving and takes new partitions.
        Assert.Equal(LogError.KafkaStorageError, broken.Append(TestBatches.Batch(1), 0).Error);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(LogError.None, healthy.Append(TestBatches.Batch(8, valueSize: 128), 0).Error);
        }

        var created = manager.GetOrCreateLog(new TopicPartition("t", 2), config);
        Assert.Equal(Path.GetDirectoryName(healthy.Directory), Path.GetDirectoryName(created.Directory));
        manager.Shutdown();
        Assert.False(File.Exists(Path.Combine(offlineDir, LogManager.CleanShutdownFileName)));
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(healthy.Directory)!, LogManager.CleanShutdownFileName)));
    }
}
