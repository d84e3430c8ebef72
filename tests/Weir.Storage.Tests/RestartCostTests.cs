namespace Weir.Storage.Tests;

/// <summary>
/// What a restart costs: index memory follows the real entries (not the preallocated 10 MB), and
/// segments nobody reads hold no file descriptor.
/// </summary>
public class RestartCostTests
{
    [Fact]
    public void Unclean_restart_does_not_read_the_preallocated_index_tail()
    {
        using var fx = new LogFixture();
        using (var log = fx.Open())
        {
            for (var i = 0; i < 5; i++)
            {
                LogFixture.Append(log, 3);
            }

            // Dispose, not Close: what kill -9 leaves, indexes still preallocated.
        }

        Assert.Equal(LogConfig.Default.SegmentIndexBytes, new FileInfo(Path.Combine(fx.LogDir, "00000000000000000000.index")).Length);
        var before = GC.GetAllocatedBytesForCurrentThread();
        using var reopened = fx.Open(clean: false, recoveryPoint: 0);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(15, reopened.LogEndOffset);
        Assert.True(allocated < 4 << 20, $"{allocated:N0} bytes allocated to reopen a log of five small batches");
    }

    [Fact]
    public void Clean_restart_reads_only_the_real_entries_of_a_preallocated_index()
    {
        using var fx = new LogFixture();
        var config = LogConfig.Default with { IndexIntervalBytes = 0 };
        using (var log = fx.Open(config))
        {
            for (var i = 0; i < 50; i++)
            {
                LogFixture.Append(log, 2);
            }

            log.Close();
        }

        // An older layout (or a crash between trim and marker) leaves the zero tail after a clean marker.
        var indexPath = Path.Combine(fx.LogDir, "00000000000000000000.index");
        var entries = new FileInfo(indexPath).Length;
        Assert.Equal(49 * 8, entries);
        using (var stream = new FileStream(indexPath, FileMode.Open))
        {
            stream.SetLength(LogConfig.Default.SegmentIndexBytes);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        using var reopened = fx.Open(config, clean: true);
        for (long o = 0; o < 100; o += 7)
        {
            Assert.InRange(o, TestBatches.Split(reopened.Read(o, 60, long.MaxValue, true).ToArray())[0].BaseOffset, o);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(100, reopened.LogEndOffset);
        Assert.True(allocated < 4 << 20, $"{allocated:N0} bytes allocated to reopen a log with 49 index entries");
    }

    [Fact]
    public void Segments_nobody_reads_hold_no_file_descriptors_after_a_restart()
    {
        using var fx = new LogFixture();
        var config = LogConfig.Default with { SegmentBytes = TestBatches.Batch(4).Length * 2 };
        using (var log = fx.Open(config))
        {
            for (var i = 0; i < 40; i++)
            {
                LogFixture.Append(log, 4);
            }

            Assert.Equal(20, log.SegmentCount);
            log.Close();
        }

        Assert.Equal(0, OpenFilesUnder(fx.LogDir));
        using (var reopened = fx.Open(config, clean: true, highWatermark: 160))
        {
            Assert.Equal(160, reopened.LogEndOffset);
            Assert.Equal(0, OpenFilesUnder(fx.LogDir));

            // A read opens the one segment it reads, and keeps it open for the next.
            var slice = reopened.Read(9, 1 << 20, long.MaxValue, true);
            Assert.Equal(8, TestBatches.Split(slice.ToArray())[0].BaseOffset);
            Assert.Equal(1, OpenFilesUnder(fx.LogDir));
            reopened.Dispose();
        }

        // After a crash only the segments from the recovery point are read, and closed again.
        using var recovered = fx.Open(config, clean: false, recoveryPoint: 152);
        Assert.Equal(160, recovered.LogEndOffset);
        Assert.Equal(0, OpenFilesUnder(fx.LogDir));
    }

    /// <summary>This process's descriptors open on files under <paramref name="dir"/>.</summary>
    private static int OpenFilesUnder(string dir)
    {
        var count = 0;
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith(dir + "/", StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // closed while we looked
            }
        }

        return count;
    }
}
