using Weir.Storage.Log;

namespace Weir.Storage.Tests;

public class RetentionTests
{
    private static PartitionLog OpenWithSegments(LogFixture fx, LogConfig config, int batches, Func<int, long>? timestamp = null)
    {
        var log = fx.Open(config);
        for (var i = 0; i < batches; i++)
        {
            LogFixture.Append(log, 10, baseTimestamp: timestamp?.Invoke(i) ?? 1_000);
        }

        return log;
    }

    private static LogConfig ThreeBatchSegments(LogConfig? baseConfig = null) =>
        (baseConfig ?? LogConfig.Default) with { SegmentBytes = (TestBatches.Batch(10).Length * 3) + 10, FileDeleteDelayMs = 0 };

    [Fact]
    public void Retention_by_size_deletes_the_oldest_whole_segments()
    {
        using var fx = new LogFixture();
        var batch = TestBatches.Batch(10).Length;
        var config = ThreeBatchSegments() with { RetentionBytes = batch * 4, RetentionMs = -1 };
        using var log = OpenWithSegments(fx, config, 10); // segments of 3,3,3,1 batches
        Assert.Equal(4, log.SegmentCount);

        Assert.Equal(2, log.RunRetention(fx.Time.NowMs));
        Assert.Equal([60L, 90L], log.SegmentBaseOffsets);
        Assert.Equal(60, log.LogStartOffset);
        Assert.Equal(100, log.LogEndOffset);
        Assert.False(File.Exists(Path.Combine(fx.LogDir, "00000000000000000000.log")));
        Assert.Empty(Directory.GetFiles(fx.LogDir, "*.deleted"));
        Assert.Equal(LogError.OffsetOutOfRange, log.Read(59, 1000, long.MaxValue, true).Error);
        Assert.Equal(60, TestBatches.Split(log.Read(60, 1000, long.MaxValue, true).ToArray())[0].BaseOffset);
    }

    [Fact]
    public void Retention_by_time_uses_each_segments_largest_timestamp_and_keeps_the_end_offset()
    {
        using var fx = new LogFixture();
        var config = ThreeBatchSegments() with { RetentionMs = 10_000 };
        // Batches 0..5 are old, 6..9 recent.
        using var log = OpenWithSegments(fx, config, 10, i => i < 6 ? 1_000 : fx.Time.NowMs);
        Assert.Equal(2, log.RunRetention(fx.Time.NowMs));
        Assert.Equal(60, log.LogStartOffset);

        // Everything expired: Kafka rolls an empty segment at the end offset and deletes the rest.
        fx.Time.NowMs += 1_000_000;
        log.RunRetention(fx.Time.NowMs);
        Assert.Equal([100L], log.SegmentBaseOffsets);
        Assert.Equal((100L, 100L), (log.LogStartOffset, log.LogEndOffset));
        Assert.Equal(100, LogFixture.Append(log, 1).BaseOffset);
    }

    [Fact]
    public void An_internal_log_is_never_shortened_by_retention_or_DeleteRecords()
    {
        using var fx = new LogFixture();
        var config = ThreeBatchSegments() with { RetentionMs = 10_000, RetentionBytes = 0, Internal = true };
        using var log = OpenWithSegments(fx, config, 10, _ => 1_000);
        fx.Time.NowMs += 1_000_000;

        Assert.Equal(0, log.RunRetention(fx.Time.NowMs));
        Assert.Equal([0L, 30L, 60L, 90L], log.SegmentBaseOffsets);
        Assert.Equal((LogError.InvalidTopic, 0L), log.DeleteRecordsBefore(50));
        Assert.Equal(0, log.RunRetention(fx.Time.NowMs));
        Assert.Equal((0L, 100L), (log.LogStartOffset, log.LogEndOffset));

        // Topic-level overrides applied over it (TryApply) keep it internal.
        Assert.True(LogConfig.TryApply(config, [new("retention.ms", "1")], out var altered, out _));
        Assert.True(altered.Internal);
    }

    [Fact]
    public void Retention_never_deletes_above_the_high_watermark()
    {
        using var fx = new LogFixture();
        var config = ThreeBatchSegments() with { RetentionBytes = 0, RetentionMs = -1 };
        using var log = OpenWithSegments(fx, config, 10);
        log.UpdateHighWatermark(35);
        Assert.Equal(1, log.RunRetention(fx.Time.NowMs));
        Assert.Equal(30, log.LogStartOffset);
    }

    [Fact]
    public void Deleted_segment_files_wait_for_file_delete_delay()
    {
        using var fx = new LogFixture();
        var config = ThreeBatchSegments() with { RetentionBytes = 0, RetentionMs = -1, FileDeleteDelayMs = 60_000 };
        using var log = OpenWithSegments(fx, config, 4);
        Assert.Equal(2, log.RunRetention(fx.Time.NowMs)); // both segments (the active one after a roll)
        Assert.Equal([40L], log.SegmentBaseOffsets);
        Assert.True(File.Exists(Path.Combine(fx.LogDir, "00000000000000000000.log.deleted")));
        log.RunRetention(fx.Time.NowMs + 60_000);
        Assert.Empty(Directory.GetFiles(fx.LogDir, "*.deleted"));
    }

    [Fact]
    public void Compact_only_topics_skip_time_and_size_retention()
    {
        using var fx = new LogFixture();
        var config = ThreeBatchSegments() with { RetentionBytes = 0, RetentionMs = 0, CleanupPolicy = "compact" };
        using var log = OpenWithSegments(fx, config, 10);
        Assert.Equal(0, log.RunRetention(fx.Time.NowMs + 1_000_000_000));
    }

    [Fact]
    public void DeleteRecordsBefore_moves_the_start_offset_and_drops_whole_segments()
    {
        using var fx = new LogFixture();
        using var log = OpenWithSegments(fx, ThreeBatchSegments(), 10);
        Assert.Equal((LogError.None, 45L), log.DeleteRecordsBefore(45));
        Assert.Equal([30L, 60L, 90L], log.SegmentBaseOffsets);
        Assert.Equal(45, log.LogStartOffset);
        Assert.Equal(LogError.OffsetOutOfRange, log.Read(44, 1000, long.MaxValue, true).Error);
        var slice = log.Read(45, 1000, long.MaxValue, true);
        Assert.Equal(40, slice.FirstBatchBaseOffset); // whole batch holding 45
        Assert.Equal((LogError.None, 45L), log.DeleteRecordsBefore(10)); // never backwards
        Assert.Equal(LogError.OffsetOutOfRange, log.DeleteRecordsBefore(101).Error);
        Assert.Equal((LogError.None, 100L), log.DeleteRecordsBefore(100));
        Assert.Equal([90L], log.SegmentBaseOffsets);
    }

    [Fact]
    public void TruncateTo_removes_later_batches_and_appends_continue_there()
    {
        using var fx = new LogFixture();
        using var log = OpenWithSegments(fx, ThreeBatchSegments(), 10);
        log.TruncateTo(40);
        Assert.Equal(40, log.LogEndOffset);
        Assert.Equal(40, log.HighWatermark);
        Assert.Equal([0L, 30L], log.SegmentBaseOffsets);
        Assert.Equal(40, LogFixture.Append(log, 5).BaseOffset);
        var batches = TestBatches.Split(log.Read(30, 10_000, long.MaxValue, true).ToArray());
        Assert.Equal([30L, 40L], batches.Select(b => b.BaseOffset));
    }
}
