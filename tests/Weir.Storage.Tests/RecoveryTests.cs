using System.Diagnostics.Metrics;
using Weir.Storage.Log;

namespace Weir.Storage.Tests;

public class RecoveryTests
{
    private static (long EndOffset, long LastGoodSize) WriteAndCrash(LogFixture fx, LogConfig config)
    {
        using var log = fx.Open(config);
        for (var i = 0; i < 9; i++)
        {
            LogFixture.Append(log, 4);
        }

        var sizeBeforeLast = log.Size;
        LogFixture.Append(log, 4);
        var end = log.LogEndOffset;
        // Dispose without Close: no flush, no trimmed indexes, no final time index entry (a crash).
        return (end, sizeBeforeLast);
    }

    private static string LastSegmentFile(LogFixture fx) =>
        Directory.GetFiles(fx.LogDir, "*.log").Order(StringComparer.Ordinal).Last();

    [Theory]
    [InlineData("garbage")]
    [InlineData("torn")]
    [InlineData("flipped")]
    [InlineData("zeros")]
    public void Unclean_restart_truncates_at_the_last_good_batch(string damage)
    {
        using var fx = new LogFixture();
        var config = LogConfig.Default with { IndexIntervalBytes = 64, SegmentBytes = TestBatches.Batch(4).Length * 4 };
        var (end, _) = WriteAndCrash(fx, config);
        Assert.Equal(40, end);
        var path = LastSegmentFile(fx);
        var bytes = File.ReadAllBytes(path);
        var batchSize = TestBatches.Batch(4).Length;
        long expectedEnd;
        switch (damage)
        {
            case "garbage":
                File.AppendAllText(path, "this is not a record batch at all, just junk bytes past the end");
                expectedEnd = 40;
                break;
            case "torn":
                File.WriteAllBytes(path, bytes[..^(batchSize / 2)]);
                expectedEnd = 36;
                break;
            case "flipped":
                bytes[^3] ^= 0x40; // inside the last batch's records: only the CRC notices
                File.WriteAllBytes(path, bytes);
                expectedEnd = 36;
                break;
            default:
                File.WriteAllBytes(path, [.. bytes, .. new byte[100]]); // a preallocated/zero-filled tail
                expectedEnd = 40;
                break;
        }

        using var log = fx.Open(config, clean: false, recoveryPoint: 0);
        Assert.Equal(expectedEnd, log.LogEndOffset);
        Assert.Equal(0, log.RecoveryPoint); // only a later flush moves it, as Kafka
        Assert.Equal((expectedEnd - 32) / 4 * batchSize, new FileInfo(LastSegmentFile(fx)).Length); // segments of 4 batches: 0, 16, 32

        var result = LogFixture.Append(log, 4);
        Assert.Equal(expectedEnd, result.BaseOffset);
        var all = new List<long>();
        for (long o = 0; o < log.LogEndOffset;)
        {
            var batches = TestBatches.Split(log.Read(o, 1 << 20, long.MaxValue, true).ToArray());
            all.AddRange(batches.Select(b => b.BaseOffset));
            o = batches[^1].LastOffset + 1;
        }

        Assert.Equal(Enumerable.Range(0, (int)(expectedEnd / 4) + 1).Select(i => i * 4L), all);
    }

    [Fact]
    public void Corruption_in_an_early_segment_deletes_the_segments_after_it()
    {
        using var fx = new LogFixture();
        var config = LogConfig.Default with { SegmentBytes = TestBatches.Batch(4).Length * 4 };
        WriteAndCrash(fx, config);
        var first = Path.Combine(fx.LogDir, "00000000000000000000.log");
        var bytes = File.ReadAllBytes(first);
        bytes[TestBatches.Batch(4).Length + 70] ^= 1; // second batch of the first segment
        File.WriteAllBytes(first, bytes);

        using var log = fx.Open(config, clean: false);
        Assert.Equal(4, log.LogEndOffset);
        Assert.Equal([0L], log.SegmentBaseOffsets);
        Assert.Single(Directory.GetFiles(fx.LogDir, "*.log"));
    }

    [Fact]
    public void Recovery_starts_at_the_recovery_point_segment()
    {
        using var fx = new LogFixture();
        var config = LogConfig.Default with { SegmentBytes = TestBatches.Batch(4).Length * 4 };
        WriteAndCrash(fx, config);
        var first = Path.Combine(fx.LogDir, "00000000000000000000.log");
        var bytes = File.ReadAllBytes(first);
        bytes[70] ^= 1; // below the recovery point: trusted, as Kafka does
        File.WriteAllBytes(first, bytes);

        using var log = fx.Open(config, clean: false, recoveryPoint: 16);
        Assert.Equal(40, log.LogEndOffset);
    }

    [Fact]
    public void Leftover_deleted_cleaned_swap_files_and_orphan_indexes_are_removed()
    {
        using var fx = new LogFixture();
        using (var log = fx.Open())
        {
            LogFixture.Append(log, 3);
            log.Close();
        }

        foreach (var name in new[] { "00000000000000000007.log.deleted", "00000000000000000007.log.cleaned", "00000000000000000007.log.swap", "00000000000000000099.index", "leader-epoch-checkpoint.tmp" })
        {
            File.WriteAllText(Path.Combine(fx.LogDir, name), "x");
        }

        using var reopened = fx.Open();
        Assert.Equal(
            ["00000000000000000000.index", "00000000000000000000.log", "00000000000000000000.timeindex", "leader-epoch-checkpoint"],
            Directory.GetFiles(fx.LogDir).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal));
        Assert.Equal(3, reopened.LogEndOffset);
    }

    [Theory]
    [InlineData("torn")]
    [InlineData("garbage")]
    public void Torn_tail_found_after_a_clean_shutdown_is_cut_before_the_next_append(string damage)
    {
        using var fx = new LogFixture();
        using (var log = fx.Open())
        {
            for (var i = 0; i < 5; i++)
            {
                LogFixture.Append(log, 4);
            }

            log.Close();
        }

        var path = LastSegmentFile(fx);
        var bytes = File.ReadAllBytes(path);
        var batchSize = TestBatches.Batch(4).Length;
        var expectedEnd = damage == "torn" ? 16 : 20;
        File.WriteAllBytes(path, damage == "torn" ? bytes[..^(batchSize / 2)] : [.. bytes, .. TestBatches.Batch(4)[..40]]);

        var reports = new List<RecoveryTruncation>();
        using var reopened = PartitionLog.Open(fx.LogDir, new TopicPartition("t", 0), LogConfig.Default, new PartitionLogOptions
        {
            Validator = TestBatchValidator.Instance,
            Time = fx.Time,
            HadCleanShutdown = true,
            HighWatermark = 20,
            OnRecoveryTruncation = reports.Add,
        });
        Assert.Equal(expectedEnd, reopened.LogEndOffset);
        Assert.Equal(expectedEnd / 4 * batchSize, new FileInfo(path).Length);
        var report = Assert.Single(reports);
        Assert.True(report.AfterCleanShutdown);
        Assert.Equal(expectedEnd, report.NewLogEndOffset);

        // The next append follows the last whole batch, and a reader sees each offset once.
        Assert.Equal(expectedEnd, LogFixture.Append(reopened, 4).BaseOffset);
        var all = TestBatches.Split(reopened.Read(0, 1 << 20, long.MaxValue, true).ToArray());
        Assert.Equal(Enumerable.Range(0, (expectedEnd / 4) + 1).Select(i => i * 4L), all.Select(b => b.BaseOffset));
    }

    [Fact]
    public void Recovery_truncation_reports_offsets_bytes_and_deleted_segments_and_counts_them()
    {
        using var fx = new LogFixture();
        var config = LogConfig.Default with { SegmentBytes = TestBatches.Batch(4).Length * 4 };
        WriteAndCrash(fx, config); // 40 records in segments 0, 16, 32
        var first = Path.Combine(fx.LogDir, "00000000000000000000.log");
        var bytes = File.ReadAllBytes(first);
        bytes[TestBatches.Batch(4).Length + 70] ^= 1; // second batch of the first segment
        File.WriteAllBytes(first, bytes);
        var totalBytes = Directory.GetFiles(fx.LogDir, "*.log").Sum(f => new FileInfo(f).Length);

        var topic = "recovery-metric-" + Guid.NewGuid().ToString("N");
        var counted = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RecoveryMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "topic" && (string?)tag.Value == topic)
                {
                    lock (counted)
                    {
                        counted[instrument.Name] = counted.GetValueOrDefault(instrument.Name) + value;
                    }
                }
            }
        });
        listener.Start();

        var reports = new List<RecoveryTruncation>();
        using var log = PartitionLog.Open(fx.LogDir, new TopicPartition(topic, 0), config, new PartitionLogOptions
        {
            Validator = TestBatchValidator.Instance,
            Time = fx.Time,
            OnRecoveryTruncation = reports.Add,
        });
        Assert.Equal(4, log.LogEndOffset);
        var report = Assert.Single(reports);
        Assert.Equal((0L, 4L, 39L, 36L, 2, false), (report.SegmentBaseOffset, report.NewLogEndOffset, report.RemovedLastOffset, report.RecordsRemoved, report.SegmentsDeleted, report.AfterCleanShutdown));
        Assert.Equal(totalBytes - TestBatches.Batch(4).Length, report.BytesRemoved);
        Assert.Equal(TestBatches.Batch(4).Length, report.Position);
        lock (counted)
        {
            Assert.Equal(1, counted["weir.log.recovery.truncations"]);
            Assert.Equal(report.BytesRemoved, counted["weir.log.recovery.truncated.bytes"]);
            Assert.Equal(36, counted["weir.log.recovery.truncated.records"]);
            Assert.Equal(2, counted["weir.log.recovery.deleted.segments"]);
        }
    }
}
