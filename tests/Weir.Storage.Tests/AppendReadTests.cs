using Weir.Protocol.Records;
using Weir.Storage.Log;

namespace Weir.Storage.Tests;

public class AppendReadTests
{
    [Fact]
    public void Append_assigns_offsets_and_epoch_and_reads_back_the_same_bytes()
    {
        using var fx = new LogFixture();
        using var log = fx.Open();
        var b1 = TestBatches.Batch(3);
        var b2 = TestBatches.Batch(2);
        var both = b1.Concat(b2).ToArray();

        var r1 = log.Append(both, leaderEpoch: 7, logAppendTimeMs: 42);
        Assert.Equal(LogError.None, r1.Error);
        Assert.Equal((0L, 4L, 42L, 0L, 2), (r1.BaseOffset, r1.LastOffset, r1.LogAppendTimeMs, r1.LogStartOffset, r1.BatchCount));
        var r2 = log.Append(TestBatches.Batch(4), leaderEpoch: 7);
        Assert.Equal((5L, 8L, -1L), (r2.BaseOffset, r2.LastOffset, r2.LogAppendTimeMs));
        Assert.Equal(9, log.LogEndOffset);

        // Offsets were assigned in the caller's buffer, outside the CRC.
        Assert.Equal(3, new RecordBatchHeader(both.AsSpan(b1.Length)).BaseOffset);
        Assert.Equal(7, new RecordBatchHeader(both).PartitionLeaderEpoch);

        log.UpdateHighWatermark(log.LogEndOffset);
        var slice = log.Read(0, 1 << 20, log.HighWatermark, minOneBatch: true);
        Assert.Equal(LogError.None, slice.Error);
        var batches = TestBatches.Split(slice.ToArray());
        Assert.Equal([(0L, 2L), (3L, 4L), (5L, 8L)], batches.Select(b => (b.BaseOffset, b.LastOffset)));
        Assert.Equal(both, batches[0].Bytes.Concat(batches[1].Bytes).ToArray());
    }

    [Fact]
    public void Read_starts_at_the_batch_holding_the_offset()
    {
        using var fx = new LogFixture();
        using var log = fx.Open();
        for (var i = 0; i < 5; i++)
        {
            LogFixture.Append(log, 10);
        }

        var slice = log.Read(23, 1 << 20, log.HighWatermark, true);
        Assert.Equal(20, slice.FirstBatchBaseOffset);
        var batches = TestBatches.Split(slice.ToArray());
        Assert.Equal([20L, 30L, 40L], batches.Select(b => b.BaseOffset));
    }

    [Fact]
    public void Read_out_of_range_and_at_end()
    {
        using var fx = new LogFixture();
        using var log = fx.Open();
        LogFixture.Append(log, 5);
        Assert.Equal(LogError.OffsetOutOfRange, log.Read(6, 1000, long.MaxValue, true).Error);
        Assert.Equal(LogError.OffsetOutOfRange, log.Read(-1, 1000, long.MaxValue, true).Error);
        var atEnd = log.Read(5, 1000, long.MaxValue, true);
        Assert.Equal(LogError.None, atEnd.Error);
        Assert.True(atEnd.IsEmpty);
        Assert.Equal((5L, 5L, 0L), (atEnd.HighWatermark, atEnd.LogEndOffset, atEnd.LogStartOffset));
    }

    [Fact]
    public void Read_respects_maxBytes_with_whole_batches_and_minOneBatch()
    {
        using var fx = new LogFixture();
        using var log = fx.Open();
        var size = TestBatches.Batch(10).Length;
        for (var i = 0; i < 4; i++)
        {
            LogFixture.Append(log, 10);
        }

        var two = log.Read(0, (2 * size) + (size / 2), long.MaxValue, true);
        Assert.Equal(2 * size, two.Length);
        Assert.Equal(2, TestBatches.Split(two.ToArray()).Count);

        var tooSmall = log.Read(10, size - 1, long.MaxValue, minOneBatch: false);
        Assert.True(tooSmall.IsEmpty);
        Assert.Equal(LogError.None, tooSmall.Error);

        var forced = log.Read(10, 1, long.MaxValue, minOneBatch: true);
        Assert.Equal(size, forced.Length);
        Assert.Equal(10, TestBatches.Split(forced.ToArray())[0].BaseOffset);
    }

    [Fact]
    public void Read_stops_at_the_high_watermark()
    {
        using var fx = new LogFixture();
        using var log = fx.Open();
        for (var i = 0; i < 3; i++)
        {
            log.Append(TestBatches.Batch(5), 0);
        }

        log.UpdateHighWatermark(10);
        var consumer = log.Read(0, 1 << 20, log.HighWatermark, true);
        Assert.Equal([0L, 5L], TestBatches.Split(consumer.ToArray()).Select(b => b.BaseOffset));
        Assert.True(log.Read(10, 1 << 20, log.HighWatermark, true).IsEmpty);

        var replica = log.Read(0, 1 << 20, long.MaxValue, true);
        Assert.Equal(3, TestBatches.Split(replica.ToArray()).Count);

        // An arbitrary bound (not the high watermark) is honoured too.
        var bounded = log.Read(0, 1 << 20, 5, true);
        Assert.Single(TestBatches.Split(bounded.ToArray()));
    }

    [Fact]
    public void Segments_roll_on_size_with_twenty_digit_names_and_reads_cross_them()
    {
        using var fx = new LogFixture();
        var batchSize = TestBatches.Batch(10).Length;
        var config = LogConfig.Default with { SegmentBytes = (batchSize * 3) + 10 };
        using var log = fx.Open(config);
        for (var i = 0; i < 10; i++)
        {
            LogFixture.Append(log, 10);
        }

        Assert.Equal([0L, 30L, 60L, 90L], log.SegmentBaseOffsets);
        var logs = Directory.GetFiles(fx.LogDir, "*.log").Select(f => Path.GetFileName(f)!).Order().ToArray();
        Assert.Equal(["00000000000000000000.log", "00000000000000000030.log", "00000000000000000060.log", "00000000000000000090.log"], logs);
        Assert.True(File.Exists(Path.Combine(fx.LogDir, "00000000000000000030.index")));
        Assert.True(File.Exists(Path.Combine(fx.LogDir, "00000000000000000030.timeindex")));

        // Every offset is readable; a read returns batches from one segment only.
        for (long offset = 0; offset < 100; offset++)
        {
            var slice = log.Read(offset, 1 << 20, log.HighWatermark, true);
            var batches = TestBatches.Split(slice.ToArray());
            Assert.InRange(offset, batches[0].BaseOffset, batches[0].LastOffset);
            Assert.True(batches.Count <= 3);
        }

        // Rolled segments' indexes are trimmed; the active one is preallocated to segment.index.bytes.
        Assert.Equal(0, new FileInfo(Path.Combine(fx.LogDir, "00000000000000000000.index")).Length % 8);
        Assert.True(new FileInfo(Path.Combine(fx.LogDir, "00000000000000000000.index")).Length < 1024);
        Assert.Equal(10485760, new FileInfo(Path.Combine(fx.LogDir, "00000000000000000090.index")).Length);
        Assert.Equal(10485756, new FileInfo(Path.Combine(fx.LogDir, "00000000000000000090.timeindex")).Length);
    }

    [Fact]
    public void Segments_roll_on_segment_ms_by_record_timestamps()
    {
        using var fx = new LogFixture();
        using var log = fx.Open(LogConfig.Default with { SegmentMs = 1000 });
        log.Append(TestBatches.Batch(2, baseTimestamp: 10_000), 0);
        log.Append(TestBatches.Batch(2, baseTimestamp: 10_500), 0);
        Assert.Single(log.SegmentBaseOffsets);
        log.Append(TestBatches.Batch(2, baseTimestamp: 11_500), 0);
        Assert.Equal([0L, 4L], log.SegmentBaseOffsets);
    }

    [Fact]
    public void Append_larger_than_a_segment_is_rejected_as_a_value()
    {
        using var fx = new LogFixture();
        using var log = fx.Open(LogConfig.Default with { SegmentBytes = 100 });
        var result = log.Append(TestBatches.Batch(20), 0);
        Assert.Equal(LogError.RecordListTooLarge, result.Error);
        Assert.Equal(0, log.LogEndOffset);
    }

    [Fact]
    public void Append_of_a_torn_buffer_throws()
    {
        using var fx = new LogFixture();
        using var log = fx.Open();
        var batch = TestBatches.Batch(3);
        Assert.Throws<ArgumentException>(() => log.Append(batch.AsSpan(0, batch.Length - 1), 0));
        Assert.Equal(0, log.LogEndOffset);
    }

    [Fact]
    public async Task WaitForChange_completes_when_an_append_publishes()
    {
        using var fx = new LogFixture();
        using var log = fx.Open();
        var wait = log.WaitForChangeAsync(log.LogEndOffset, log.HighWatermark);
        Assert.False(wait.IsCompleted);
        log.Append(TestBatches.Batch(1), 0);
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(log.WaitForChangeAsync(0, 0).IsCompleted); // already stale values: immediate
    }

    [Fact]
    public async Task Concurrent_readers_never_see_a_partial_batch()
    {
        using var fx = new LogFixture();
        var batchSize = TestBatches.Batch(3, valueSize: 50).Length;
        using var log = fx.Open(LogConfig.Default with { SegmentBytes = batchSize * 40, IndexIntervalBytes = 256 });
        const int Appends = 1500;
        var done = 0;
        var failures = new List<string>();
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var buffer = new byte[1 << 16];
            while (Volatile.Read(ref done) == 0)
            {
                var end = log.LogEndOffset;
                for (long offset = Math.Max(0, end - 30); offset < end; offset += 7)
                {
                    var slice = log.Read(offset, 4096, long.MaxValue, true);
                    if (slice.Error != LogError.None)
                    {
                        lock (failures)
                        {
                            failures.Add($"{slice.Error} at {offset}");
                        }

                        continue;
                    }

                    var n = slice.CopyTo(buffer);
                    try
                    {
                        var batches = TestBatches.Split(buffer.AsSpan(0, n));
                        Assert.InRange(offset, batches[0].BaseOffset, batches[0].LastOffset);
                    }
                    catch (Exception e)
                    {
                        lock (failures)
                        {
                            failures.Add(e.Message);
                        }
                    }
                }
            }
        })).ToArray();

        for (var i = 0; i < Appends; i++)
        {
            log.Append(TestBatches.Batch(3, valueSize: 50), 0);
        }

        Volatile.Write(ref done, 1);
        await Task.WhenAll(readers);
        Assert.Empty(failures);
        Assert.Equal(Appends * 3, log.LogEndOffset);
    }
}
