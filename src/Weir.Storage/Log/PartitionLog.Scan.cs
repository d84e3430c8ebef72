using Weir.Protocol.Records;

namespace Weir.Storage.Log;

/// <summary>Visits one whole record batch, from its first byte to its last.</summary>
public delegate void BatchVisitor(ReadOnlySpan<byte> batch);

public sealed partial class PartitionLog
{
    private const int ScanChunkBytes = 1 << 20;

    /// <summary>
    /// Visits, in offset order, every whole batch whose last offset is at or after
    /// <paramref name="from"/>, up to the log end offset as it was when the scan began, reading a
    /// chunk at a time so memory is bounded by the chunk, not the log. Used to rebuild state that
    /// lives in the log (metadata image, producer state) at startup.
    /// </summary>
    public void ForEachBatch(long from, BatchVisitor visitor)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        var offset = Math.Max(from, LogStartOffset);
        var end = LogEndOffset;
        while (offset < end)
        {
            var slice = Read(offset, ScanChunkBytes, end, minOneBatch: true);
            if (slice.Error != LogError.None || slice.IsEmpty)
            {
                return;
            }

            var start = offset;
            var bytes = slice.ToArray();
            var batches = new RecordBatchEnumerator(bytes);
            while (batches.MoveNext())
            {
                var header = new RecordBatchHeader(batches.Current);
                if (header.LastOffset < offset)
                {
                    continue;
                }

                visitor(batches.Current);
                offset = header.LastOffset + 1;
            }

            if (offset == start)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Visits the 61-byte header of every whole batch whose last offset is at or after
    /// <paramref name="from"/>, up to the log end offset as it was when the scan began. Reads only the
    /// headers, through a handle held for the scan alone, and leaves the indexes unloaded: rebuilding
    /// producer state at start-up must not open every segment of every partition for good.
    /// </summary>
    public void ForEachBatchHeader(long from, BatchVisitor visitor)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        var offset = Math.Max(from, LogStartOffset);
        var end = Volatile.Read(ref _end);
        var segs = Volatile.Read(ref _segments);
        Span<byte> header = stackalloc byte[RecordBatchHeader.Size];
        for (var i = Math.Max(0, FloorSegment(segs, offset)); i < segs.Length && offset < end.Offset; i++)
        {
            var segment = segs[i];
            var limit = segment.BaseOffset == end.SegmentBaseOffset ? end.Position : segment.Size;
            offset = segment.ForEachHeader(offset, limit, header, visitor);
        }
    }
}
