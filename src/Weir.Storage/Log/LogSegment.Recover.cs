using System.Buffers;
using Weir.Protocol.Records;

namespace Weir.Storage.Log;

/// <summary>What <see cref="LogSegment.Recover"/> found: bytes cut off and the offsets around the cut.</summary>
/// <param name="BytesTruncated">Bytes removed from the end of the <c>.log</c>.</param>
/// <param name="NextOffset">The offset after the last valid batch (the segment's base offset when none).</param>
/// <param name="RemovedLastOffset">The last offset the removed bytes' headers claimed, or −1 when none was readable.</param>
internal readonly record struct SegmentRecovery(int BytesTruncated, long NextOffset, long RemovedLastOffset);

internal sealed partial class LogSegment
{
    /// <summary>Recovery reads the log this many bytes at a time; a larger batch is read on its own.</summary>
    internal const int RecoveryChunkBytes = 1 << 20;

    /// <summary>
    /// Kafka's <c>LogSegment.recover</c>: re-validates every batch, rebuilds both indexes (the old files
    /// are not read), reports each batch's leader epoch, and truncates the file after the last valid
    /// batch. Reads fixed-size chunks, so memory is one chunk (or the one batch larger than it).
    /// </summary>
    /// <param name="writeIndexes">False for the active segment: its rebuilt indexes are written when it is
    /// flushed, rolled or closed, and a crash before that rebuilds them again.</param>
    public SegmentRecovery Recover(LogConfig config, IBatchValidator validator, Action<int, long>? onBatch, bool writeIndexes = true)
    {
        lock (_openLock)
        {
            _offsetIndex.Reset(config.SegmentIndexBytes);
            _timeIndex.Reset(config.SegmentIndexBytes);
            _maxTimestampSoFar = new TimestampOffset(-1, BaseOffset);
            _maxTimestampKnown = true;
            _indexesChecked = true;
        }

        _bytesSinceLastIndexEntry = 0;
        _rollingBasedTimestamp = -1;
        var log = Handle;
        var fileSize = RandomAccess.GetLength(log);
        var valid = 0;
        var nextExpected = BaseOffset;
        var chunk = ArrayPool<byte>.Shared.Rent(RecoveryChunkBytes);
        long chunkStart = 0;
        var chunkLength = 0;
        try
        {
            while (fileSize - valid >= RecordBatchHeader.Size)
            {
                if (valid + RecordBatchHeader.Size > chunkStart + chunkLength)
                {
                    chunkStart = valid;
                    chunkLength = ReadFully(log, chunk.AsSpan(0, (int)Math.Min(chunk.Length, fileSize - valid)), valid);
                }

                var at = (int)(valid - chunkStart);
                if (chunkLength - at < RecordBatchHeader.Size || !BatchInfo.TryRead(chunk.AsSpan(at, RecordBatchHeader.Size), out var info)
                    || info.Magic != RecordBatchHeader.CurrentMagic || valid + (long)info.Size > fileSize
                    || info.BaseOffset < nextExpected || info.LastOffset - BaseOffset > int.MaxValue)
                {
                    break;
                }

                if (!BatchIsValid(validator, log, chunk, ref chunkStart, ref chunkLength, valid, info.Size, fileSize))
                {
                    break;
                }

                if (valid == 0)
                {
                    _rollingBasedTimestamp = info.MaxTimestamp;
                }

                IndexBatchInto(_offsetIndex, _timeIndex, info.LastOffset, info.MaxTimestamp, valid, info.Size, config.IndexIntervalBytes);
                onBatch?.Invoke(info.PartitionLeaderEpoch, info.BaseOffset);
                valid += info.Size;
                nextExpected = info.LastOffset + 1;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        var truncated = (int)(fileSize - valid);
        var removedLast = -1L;
        if (truncated > 0)
        {
            removedLast = LastOffsetClaimed(valid, (int)Math.Min(fileSize, int.MaxValue));
            RandomAccess.SetLength(log, valid);
        }

        _size = valid;
        if (writeIndexes)
        {
            _timeIndex.MaybeAppend(_maxTimestampSoFar.Timestamp, _maxTimestampSoFar.Offset, skipFullCheck: true);
            _offsetIndex.TrimToValidSize();
            _timeIndex.TrimToValidSize();
        }

        return new SegmentRecovery(truncated, nextExpected, removedLast);
    }

    /// <summary>Validates the batch at <paramref name="position"/>, from the chunk when it fits there, else read on its own.</summary>
    private static bool BatchIsValid(IBatchValidator validator, Microsoft.Win32.SafeHandles.SafeFileHandle log, byte[] chunk, ref long chunkStart, ref int chunkLength, int position, int size, long fileSize)
    {
        if (size > chunk.Length)
        {
            var big = ArrayPool<byte>.Shared.Rent(size);
            try
            {
                var span = big.AsSpan(0, size);
                return ReadFully(log, span, position) == size && IsValid(validator, span);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(big);
            }
        }

        if (position + (long)size > chunkStart + chunkLength)
        {
            chunkStart = position;
            chunkLength = ReadFully(log, chunk.AsSpan(0, (int)Math.Min(chunk.Length, fileSize - position)), position);
        }

        var at = (int)(position - chunkStart);
        return chunkLength - at >= size && IsValid(validator, chunk.AsSpan(at, size));
    }

    private static int ReadFully(Microsoft.Win32.SafeHandles.SafeFileHandle log, Span<byte> destination, long position)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var n = RandomAccess.Read(log, destination[total..], position + total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    private static bool IsValid(IBatchValidator validator, ReadOnlySpan<byte> batch)
    {
        try
        {
            return validator.IsValid(batch);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IndexOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>
    /// The last offset that readable headers claim from <paramref name="position"/> to <paramref name="limit"/>
    /// (no validation: for reporting what a truncation removes), or −1.
    /// </summary>
    internal long LastOffsetClaimed(int position, int limit)
    {
        Span<byte> scratch = stackalloc byte[RecordBatchHeader.Size];
        var last = -1L;
        var pos = position;
        while (TryReadBatchInfo(pos, limit, scratch, out var info) && info.Magic == RecordBatchHeader.CurrentMagic && info.LastOffset > last)
        {
            last = info.LastOffset;
            pos += info.Size;
        }

        return last;
    }

    /// <summary>
    /// After a clean shutdown Kafka trusts the files; a torn tail (the file cut inside the last batch, or
    /// bytes after it) would then be served and appended after. This checks cheaply that the batches
    /// from the last index entry end exactly at the file's end and that the last one is valid.
    /// </summary>
    public bool TailIsIntact(IBatchValidator validator)
    {
        Span<byte> scratch = stackalloc byte[RecordBatchHeader.Size];
        var limit = _size;
        var pos = OffsetIndex.LastEntry.Position;
        var last = -1;
        var lastSize = 0;
        while (TryReadBatchInfo(pos, limit, scratch, out var info))
        {
            if (info.Magic != RecordBatchHeader.CurrentMagic)
            {
                return false;
            }

            last = pos;
            lastSize = info.Size;
            pos += info.Size;
        }

        if (pos != limit)
        {
            return false;
        }

        if (last < 0)
        {
            return true;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(lastSize);
        try
        {
            var batch = buffer.AsSpan(0, lastSize);
            return ReadFully(Handle, batch, last) == lastSize && IsValid(validator, batch);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Visits the headers of the whole batches below <paramref name="limit"/> whose last offset is at or
    /// after <paramref name="from"/>; returns the offset after the last one visited. Uses the open handle
    /// if there is one, else a handle for this scan only.
    /// </summary>
    public long ForEachHeader(long from, int limit, Span<byte> scratch, BatchVisitor visitor)
    {
        var open = Volatile.Read(ref _log);
        var handle = open ?? File.OpenHandle(LogPath, FileMode.Open, FileAccess.Read, Share);
        try
        {
            var pos = 0;
            var next = from;
            while (limit - pos >= RecordBatchHeader.Size
                && ReadFully(handle, scratch[..RecordBatchHeader.Size], pos) == RecordBatchHeader.Size
                && BatchInfo.TryRead(scratch, out var info) && pos + (long)info.Size <= limit)
            {
                if (info.LastOffset >= next)
                {
                    visitor(scratch[..RecordBatchHeader.Size]);
                    next = info.LastOffset + 1;
                }

                pos += info.Size;
            }

            return next;
        }
        finally
        {
            if (open is null)
            {
                handle.Dispose();
            }
        }
    }
}
