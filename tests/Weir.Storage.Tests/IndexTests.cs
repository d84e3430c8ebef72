using System.Buffers.Binary;
using Weir.Protocol.Records;
using Weir.Storage.Log;

namespace Weir.Storage.Tests;

public class IndexTests
{
    [Fact]
    public void Offset_index_entries_point_at_batch_starts_every_index_interval_bytes()
    {
        using var fx = new LogFixture();
        var batchSize = TestBatches.Batch(5, valueSize: 100).Length;
        using (var log = fx.Open(LogConfig.Default with { IndexIntervalBytes = 1000 }))
        {
            for (var i = 0; i < 40; i++)
            {
                LogFixture.Append(log, 5, valueSize: 100);
            }

            log.Close();
        }

        var index = File.ReadAllBytes(Path.Combine(fx.LogDir, "00000000000000000000.index"));
        var data = File.ReadAllBytes(Path.Combine(fx.LogDir, "00000000000000000000.log"));
        Assert.Equal(0, index.Length % 8);
        var entries = index.Length / 8;
        var batchesPerEntry = (1000 / batchSize) + 1;
        Assert.Equal((40 - 1) / batchesPerEntry, entries);
        for (var e = 0; e < entries; e++)
        {
            var relative = BinaryPrimitives.ReadInt32BigEndian(index.AsSpan(e * 8));
            var position = BinaryPrimitives.ReadInt32BigEndian(index.AsSpan((e * 8) + 4));
            var header = new RecordBatchHeader(data.AsSpan(position));
            Assert.Equal(relative, header.LastOffset); // entry = last offset of the batch starting at position
            Assert.Equal(0, position % batchSize);
        }
    }

    [Fact]
    public void Time_index_lookups_find_the_first_record_at_or_after_a_timestamp()
    {
        using var fx = new LogFixture();
        var batchSize = TestBatches.Batch(10).Length;
        using var log = fx.Open(LogConfig.Default with { IndexIntervalBytes = 1, SegmentBytes = batchSize * 4 });
        for (var i = 0; i < 10; i++)
        {
            // batch i holds timestamps 10_000 + i*100 .. +9*10
            log.Append(TestBatches.Batch(10, baseTimestamp: 10_000 + (i * 100), timestampStep: 10), 0);
        }

        log.UpdateHighWatermark(log.LogEndOffset);
        Assert.True(log.SegmentCount > 2);
        Assert.Equal(new TimestampOffset(10_000, 0), log.FindOffsetByTimestamp(0));
        Assert.Equal(new TimestampOffset(10_350, 35), log.FindOffsetByTimestamp(10_345));
        Assert.Equal(new TimestampOffset(10_400, 40), log.FindOffsetByTimestamp(10_391));
        Assert.Equal(new TimestampOffset(10_990, 99), log.FindOffsetByTimestamp(10_990));
        Assert.Null(log.FindOffsetByTimestamp(10_991));
        Assert.Equal(new TimestampOffset(10_990, 99), log.LatestTimestampAndOffset());
    }

    [Fact]
    public void Max_timestamp_offset_is_the_record_carrying_it_even_when_timestamps_go_back()
    {
        using var fx = new LogFixture();
        using var log = fx.Open();
        log.Append(TestBatches.Batch(3, timestamps: [100, 500, 200]), 0);
        log.Append(TestBatches.Batch(2, timestamps: [300, 400]), 0);
        Assert.Equal(new TimestampOffset(500, 1), log.LatestTimestampAndOffset());
        Assert.Equal(new TimestampOffset(500, 1), log.FindOffsetByTimestamp(450));
    }

    [Fact]
    public void Empty_log_has_no_timestamps()
    {
        using var fx = new LogFixture();
        using var log = fx.Open();
        Assert.Equal(TimestampOffset.Unknown, log.LatestTimestampAndOffset());
        Assert.Null(log.FindOffsetByTimestamp(0));
    }

    [Fact]
    public void Corrupt_index_is_rebuilt_on_a_clean_restart()
    {
        using var fx = new LogFixture();
        var config = LogConfig.Default with { IndexIntervalBytes = 100, SegmentBytes = 4000 };
        using (var log = fx.Open(config))
        {
            for (var i = 0; i < 60; i++)
            {
                LogFixture.Append(log, 2);
            }

            log.Close();
        }

        var indexPath = Path.Combine(fx.LogDir, "00000000000000000000.index");
        var good = File.ReadAllBytes(indexPath);
        Assert.True(good.Length >= 16);
        File.WriteAllBytes(indexPath, [.. good[..^8], .. good[..8]]); // last entry goes backwards
        File.Delete(Path.Combine(fx.LogDir, "00000000000000000000.timeindex"));

        using var reopened = fx.Open(config, clean: true, highWatermark: 120);
        Assert.Equal(good, File.ReadAllBytes(indexPath));
        Assert.True(File.Exists(Path.Combine(fx.LogDir, "00000000000000000000.timeindex")));
        Assert.Equal(120, reopened.LogEndOffset);
        for (long o = 0; o < 120; o += 5)
        {
            Assert.InRange(o, TestBatches.Split(reopened.Read(o, 100, long.MaxValue, true).ToArray())[0].BaseOffset, o);
        }
    }
}
