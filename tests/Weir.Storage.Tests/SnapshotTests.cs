using Weir.Storage.Log;
using Weir.Storage.Snapshots;

namespace Weir.Storage.Tests;

public class SnapshotTests
{
    [Fact]
    public void Names_are_Kafkas_end_offset_and_epoch_padded_to_20_and_10_digits()
    {
        var id = new SnapshotId(1234, 5);
        Assert.Equal("00000000000000001234-0000000005", SnapshotFiles.FileNameStem(id));
        Assert.Equal(Path.Combine("d", "00000000000000001234-0000000005.checkpoint"), SnapshotFiles.PathOf("d", id));

        Assert.True(SnapshotFiles.TryParse("00000000000000001234-0000000005.checkpoint", out var parsed, out var partial, out var deleted));
        Assert.Equal((id, false, false), (parsed, partial, deleted));
        Assert.True(SnapshotFiles.TryParse("00000000000000001234-0000000005.checkpoint.part", out parsed, out partial, out _));
        Assert.Equal((id, true), (parsed, partial));
        // Kafka's own partial files carry a random infix (Files.createTempFile).
        Assert.True(SnapshotFiles.TryParse("00000000000000001234-0000000005-8412345.checkpoint.part", out parsed, out partial, out _));
        Assert.Equal((id, true), (parsed, partial));
        Assert.True(SnapshotFiles.TryParse("00000000000000001234-0000000005.checkpoint.deleted", out parsed, out _, out deleted));
        Assert.Equal((id, true), (parsed, deleted));

        Assert.False(SnapshotFiles.TryParse("00000000000000001234.log", out _, out _, out _));
        Assert.False(SnapshotFiles.TryParse("leader-epoch-checkpoint", out _, out _, out _));
        Assert.False(SnapshotFiles.TryParse("replication-offset-checkpoint", out _, out _, out _));
        Assert.False(SnapshotFiles.TryParse("0000000000000000123x-0000000005.checkpoint", out _, out _, out _));
        Assert.False(SnapshotFiles.TryParse("00000000000000001234-000000005.checkpoint", out _, out _, out _));
    }

    [Fact]
    public void Ids_order_by_end_offset_then_epoch()
    {
        Assert.True(new SnapshotId(10, 3) < new SnapshotId(11, 0));
        Assert.True(new SnapshotId(10, 3) > new SnapshotId(10, 2));
    }

    [Fact]
    public void A_frozen_snapshot_reads_back_byte_for_byte_and_batch_by_batch()
    {
        using var dir = new TempDir();
        var batches = new[] { TestBatches.Batch(3), TestBatches.Batch(5, valueSize: 100), TestBatches.Batch(1) };
        var id = new SnapshotId(42, 7);
        using (var writer = RawSnapshotWriter.Create(dir.Path, id))
        {
            foreach (var b in batches)
            {
                writer.Append(b);
            }

            Assert.Empty(SnapshotFiles.List(dir.Path)); // not visible until frozen
            Assert.Equal(batches.Sum(b => (long)b.Length), writer.Freeze());
            Assert.Throws<InvalidOperationException>(() => writer.Append(batches[0]));
        }

        Assert.Equal([id], SnapshotFiles.List(dir.Path));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.part"));
        var all = batches.SelectMany(b => b).ToArray();
        using var reader = RawSnapshotReader.Open(dir.Path, id)!;
        Assert.Equal(all.Length, reader.SizeInBytes);

        // A slice from the middle, as FetchSnapshot asks for one, and a read past the end.
        var slice = new byte[50];
        Assert.Equal(50, reader.Read(batches[0].Length + 10, slice));
        Assert.Equal(all.AsSpan(batches[0].Length + 10, 50).ToArray(), slice);
        Assert.Equal(20, reader.Read(all.Length - 20, new byte[100]));
        Assert.Equal(0, reader.Read(all.Length, new byte[10]));

        var read = new List<byte[]>();
        reader.ForEachBatch(b => read.Add(b.ToArray()));
        Assert.Equal(batches, read);
        Assert.Null(RawSnapshotReader.Open(dir.Path, new SnapshotId(43, 7)));
    }

    [Fact]
    public void A_write_abandoned_midway_leaves_nothing_and_a_crashed_one_is_cleaned_at_start()
    {
        using var dir = new TempDir();
        using (var writer = RawSnapshotWriter.Create(dir.Path, new SnapshotId(10, 0)))
        {
            writer.Append(TestBatches.Batch(3));
        }

        Assert.Empty(Directory.GetFiles(dir.Path));

        // A crash: the process died with the part file written and not renamed (and a delete half done).
        var crashed = RawSnapshotWriter.Create(dir.Path, new SnapshotId(20, 0));
        crashed.Append(TestBatches.Batch(3));
        File.Copy(SnapshotFiles.PartialPathOf(dir.Path, new SnapshotId(20, 0)), Path.Combine(dir.Path, "00000000000000000030-0000000000-123.checkpoint.part"));
        File.WriteAllBytes(Path.Combine(dir.Path, "00000000000000000005-0000000000.checkpoint.deleted"), [1, 2]);
        File.WriteAllBytes(Path.Combine(dir.Path, "00000000000000000000.log"), []);
        Assert.Empty(SnapshotFiles.List(dir.Path));

        Assert.Equal(3, SnapshotFiles.DeleteLeftovers(dir.Path));
        Assert.Equal(["00000000000000000000.log"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        crashed.Dispose();
    }

    [Fact]
    public void A_corrupt_or_torn_snapshot_throws_while_reading_its_batches()
    {
        using var dir = new TempDir();
        var id = new SnapshotId(8, 0);
        using (var writer = RawSnapshotWriter.Create(dir.Path, id))
        {
            writer.Append(TestBatches.Batch(3));
            writer.Append(TestBatches.Batch(5));
            writer.Freeze();
        }

        var path = SnapshotFiles.PathOf(dir.Path, id);
        var bytes = File.ReadAllBytes(path);
        var first = TestBatches.Batch(3).Length;

        bytes[first + 70] ^= 0xFF; // a record byte of the second batch: its CRC no longer matches
        File.WriteAllBytes(path, bytes);
        AssertCorrupt(dir.Path, id, expectedVisited: 1);

        bytes[first + 70] ^= 0xFF;
        File.WriteAllBytes(path, bytes[..^7]); // torn last batch
        AssertCorrupt(dir.Path, id, expectedVisited: 1);

        File.WriteAllBytes(path, bytes[..(first + 5)]); // torn header
        AssertCorrupt(dir.Path, id, expectedVisited: 1);
    }

    [Fact]
    public void Deleting_keeps_the_other_snapshots()
    {
        using var dir = new TempDir();
        foreach (var offset in new long[] { 30, 10, 20 })
        {
            using var writer = RawSnapshotWriter.Create(dir.Path, new SnapshotId(offset, 1));
            writer.Append(TestBatches.Batch(1));
            writer.Freeze();
        }

        Assert.Equal([new(10, 1), new(20, 1), new SnapshotId(30, 1)], SnapshotFiles.List(dir.Path));
        Assert.True(SnapshotFiles.Delete(dir.Path, new SnapshotId(10, 1)));
        Assert.False(SnapshotFiles.Delete(dir.Path, new SnapshotId(10, 1)));
        Assert.Equal([new(20, 1), new SnapshotId(30, 1)], SnapshotFiles.List(dir.Path));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.deleted"));

        Assert.Equal([new(20, 1), new SnapshotId(30, 1)], SnapshotFiles.Retain(dir.Path, 5));
        Assert.Equal([new SnapshotId(30, 1)], SnapshotFiles.Retain(dir.Path, 1));
        Assert.Equal([new SnapshotId(30, 1)], SnapshotFiles.List(dir.Path));
    }

    [Fact]
    public void Deleting_before_a_snapshot_moves_the_log_start_and_drops_the_whole_segments_below_it()
    {
        using var fx = new LogFixture();
        var config = LogConfig.Default with { SegmentBytes = (TestBatches.Batch(10).Length * 3) + 10, FileDeleteDelayMs = 0, Internal = true };
        using var log = fx.Open(config);
        for (var i = 0; i < 10; i++)
        {
            LogFixture.Append(log, 10);
        }

        Assert.Equal([0L, 30L, 60L, 90L], log.SegmentBaseOffsets);

        Assert.True(log.DeleteBeforeSnapshot(65));
        Assert.Equal(65, log.LogStartOffset);
        Assert.Equal([60L, 90L], log.SegmentBaseOffsets); // 60..89 holds the offsets from 65 on
        Assert.False(File.Exists(Path.Combine(fx.LogDir, "00000000000000000000.log")));
        Assert.Equal(LogError.OffsetOutOfRange, log.Read(59, 1000, long.MaxValue, true).Error);

        Assert.False(log.DeleteBeforeSnapshot(65));
        Assert.False(log.DeleteBeforeSnapshot(40));

        // Never past the high watermark, and the active segment stays.
        log.UpdateHighWatermark(95);
        Assert.True(log.DeleteBeforeSnapshot(200));
        Assert.Equal(95, log.LogStartOffset);
        Assert.Equal([90L], log.SegmentBaseOffsets);
        Assert.Equal(100, log.LogEndOffset);
    }

    [Fact]
    public void The_epoch_of_an_offset_comes_from_the_leader_epoch_cache()
    {
        using var fx = new LogFixture();
        using var log = fx.Open();
        Assert.Equal(-1, log.EpochForOffset(0));
        LogFixture.Append(log, 5, epoch: 2);
        LogFixture.Append(log, 5, epoch: 4);
        Assert.Equal(2, log.EpochForOffset(4));
        Assert.Equal(4, log.EpochForOffset(5));
        Assert.Equal(4, log.EpochForOffset(9));
    }

    private static void AssertCorrupt(string dir, SnapshotId id, int expectedVisited)
    {
        using var reader = RawSnapshotReader.Open(dir, id)!;
        var visited = 0;
        Assert.Throws<CorruptSnapshotException>(() => reader.ForEachBatch(_ => visited++));
        Assert.Equal(expectedVisited, visited);
    }
}
