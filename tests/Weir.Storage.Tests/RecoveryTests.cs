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
}
