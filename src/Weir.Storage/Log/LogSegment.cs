using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Weir.Protocol.Records;

namespace Weir.Storage.Log;

/// <summary>
/// One segment: the <c>.log</c> file of batches plus its offset and time indexes (Kafka's
/// <c>LogSegment</c>). Appends come from one writer under the partition lock; the byte size is
/// published after the bytes are written, so readers bounded by <see cref="Size"/> never see a torn batch.
/// The file handle and the indexes are opened on first use (Kafka's <c>LazyIndex</c>): a segment
/// nobody reads or writes costs no file descriptor and no index memory.
/// </summary>
internal sealed partial class LogSegment : IDisposable
{
    private const FileShare Share = FileShare.ReadWrite | FileShare.Delete;
    private readonly Lock _openLock = new();
    private readonly OffsetIndex _offsetIndex;
    private readonly TimeIndex _timeIndex;
    private readonly int _indexIntervalBytes;
    private SafeFileHandle? _log;
    private volatile int _size;
    private volatile bool _indexesChecked;
    private volatile bool _offsetIndexChecked;
    private int _bytesSinceLastIndexEntry;
    private TimestampOffset _maxTimestampSoFar;
    private bool _maxTimestampKnown;
    private long _rollingBasedTimestamp = -1;
    private bool _disposed;

    private long _createdMs = -1;

    private LogSegment(string dir, long baseOffset, long createdMs, LogConfig config, SafeFileHandle? created, bool indexFilesExist)
    {
        BaseOffset = baseOffset;
        _createdMs = createdMs;
        _indexIntervalBytes = config.IndexIntervalBytes;
        LogPath = LogFileNames.LogFile(dir, baseOffset);
        _log = created;
        var length = created is null ? new FileInfo(LogPath).Length : 0;
        if (length > int.MaxValue)
        {
            throw new InvalidDataException($"Segment {LogPath} is larger than 2 GiB.");
        }

        _size = (int)length;
        var indexPath = LogFileNames.IndexFile(dir, baseOffset);
        var timeIndexPath = LogFileNames.TimeIndexFile(dir, baseOffset);
        IndexFilesExisted = created is not null || indexFilesExist;
        _offsetIndex = new OffsetIndex(indexPath, baseOffset);
        _timeIndex = new TimeIndex(timeIndexPath, baseOffset);
        if (created is not null)
        {
            _offsetIndex.Reset(config.SegmentIndexBytes);
            _timeIndex.Reset(config.SegmentIndexBytes);
            _maxTimestampSoFar = new TimestampOffset(-1, baseOffset);
            _maxTimestampKnown = true;
            _indexesChecked = true;
        }
    }

    public long BaseOffset { get; }

    /// <summary>When the segment was created (its file's mtime for an existing one, read on first need).</summary>
    public long CreatedMs
    {
        get
        {
            if (_createdMs < 0)
            {
                _createdMs = new DateTimeOffset(File.GetLastWriteTimeUtc(LogPath)).ToUnixTimeMilliseconds();
            }

            return _createdMs;
        }
    }

    public string LogPath { get; private set; }

    /// <summary>Published byte length of the <c>.log</c>; everything below it is whole batches.</summary>
    public int Size => _size;

    /// <summary>The <c>.log</c> file, opened on first use and kept open until the segment is closed or deleted.</summary>
    public SafeFileHandle Handle => Volatile.Read(ref _log) ?? OpenLog();

    /// <summary>True while the <c>.log</c> has an open handle (tests: lazily opened segments).</summary>
    public bool IsOpen => Volatile.Read(ref _log) is not null;

    /// <summary>The offset index, loaded (and checked, rebuilt if corrupt) on first use.</summary>
    public OffsetIndex OffsetIndex
    {
        get
        {
            EnsureOffsetIndex();
            return _offsetIndex;
        }
    }

    /// <summary>The time index, loaded (and checked, rebuilt if corrupt) on first use.</summary>
    public TimeIndex TimeIndex
    {
        get
        {
            EnsureIndexes();
            return _timeIndex;
        }
    }

    /// <summary>False when an index file was missing at open (it then needs a rebuild).</summary>
    public bool IndexFilesExisted { get; }

    /// <summary>True once the indexes were loaded (tests: segments nobody reads stay unloaded).</summary>
    public bool IndexesLoaded => _offsetIndex.IsLoaded || _timeIndex.IsLoaded;

    /// <summary>Largest batch max timestamp seen and that batch's last offset, or (-1, base).</summary>
    public TimestampOffset MaxTimestampSoFar
    {
        get
        {
            if (!_maxTimestampKnown)
            {
                _maxTimestampSoFar = TimeIndex.LastEntry;
                _maxTimestampKnown = true;
            }

            return _maxTimestampSoFar;
        }
    }

    /// <summary>A brand-new empty segment whose indexes are preallocated (it becomes the active one).</summary>
    public static LogSegment Create(string dir, long baseOffset, LogConfig config, long nowMs)
    {
        // A stale file at this base offset (e.g. left by a truncation) must not leak into the new segment.
        File.Delete(LogFileNames.LogFile(dir, baseOffset));
        File.Delete(LogFileNames.IndexFile(dir, baseOffset));
        File.Delete(LogFileNames.TimeIndexFile(dir, baseOffset));
        var handle = File.OpenHandle(LogFileNames.LogFile(dir, baseOffset), FileMode.CreateNew, FileAccess.ReadWrite, Share);
        var segment = new LogSegment(dir, baseOffset, nowMs, config, handle, indexFilesExist: true);
        try
        {
            segment.ResizeIndexes(config.SegmentIndexBytes);
        }
        catch
        {
            segment.Dispose();
            throw;
        }

        return segment;
    }

    /// <summary>Notes existing files without opening them (Kafka's lazy segments): one stat for the size.</summary>
    /// <param name="indexFilesExist">Whether both index files were in the directory listing.</param>
    public static LogSegment Open(string dir, long baseOffset, LogConfig config, bool indexFilesExist) =>
        new(dir, baseOffset, -1, config, created: null, indexFilesExist);

    private SafeFileHandle OpenLog()
    {
        lock (_openLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_log is null)
            {
                // Open, never create: a segment deleted underneath a late reader must not come back empty.
                Volatile.Write(ref _log, File.OpenHandle(LogPath, FileMode.Open, FileAccess.ReadWrite, Share));
            }

            return _log!;
        }
    }

    /// <summary>Closes the handle if one is open; the next use opens it again (after loading, for segments nobody uses yet).</summary>
    public void ReleaseHandle()
    {
        lock (_openLock)
        {
            var log = _log;
            _log = null;
            log?.Dispose();
        }
    }

    /// <summary>
    /// Loads both indexes once and checks them (Kafka's sanity check plus ordering and bounds); a
    /// corrupt one is rebuilt from the log's batch headers. Kafka skips the check at start-up and
    /// only rebuilds what recovery touches; checking at first use keeps start-up cheap all the same.
    /// </summary>
    /// <summary>The offset index alone (the start-up tail check needs no time index).</summary>
    private void EnsureOffsetIndex()
    {
        if (_offsetIndexChecked || _indexesChecked)
        {
            return;
        }

        lock (_openLock)
        {
            if (_offsetIndexChecked || _indexesChecked)
            {
                return;
            }

            if (!(_offsetIndex.IsSane(_size) && (_offsetIndex.Count == 0 || _offsetIndex.LastEntry.Position < _size)))
            {
                RebuildIndexesLocked();
                _indexesChecked = true;
            }

            _offsetIndexChecked = true;
        }
    }

    private void EnsureIndexes()
    {
        if (_indexesChecked)
        {
            return;
        }

        lock (_openLock)
        {
            if (_indexesChecked)
            {
                return;
            }

            var sane = _offsetIndex.IsSane(_size) && _timeIndex.IsSane()
                && (_offsetIndex.Count == 0 || _offsetIndex.LastEntry.Position < _size);
            if (!sane)
            {
                RebuildIndexesLocked();
            }

            _indexesChecked = true;
        }
    }

    /// <summary>Rebuilds both indexes from the batch headers (the data is trusted; only the index was bad).</summary>
    private void RebuildIndexesLocked()
    {
        _offsetIndex.Reset(int.MaxValue);
        _timeIndex.Reset(int.MaxValue);
        _maxTimestampSoFar = new TimestampOffset(-1, BaseOffset);
        _bytesSinceLastIndexEntry = 0;
        Span<byte> scratch = stackalloc byte[RecordBatchHeader.Size];
        var pos = 0;
        var limit = _size;
        while (TryReadBatchInfo(pos, limit, scratch, out var info))
        {
            IndexBatchInto(_offsetIndex, _timeIndex, info.LastOffset, info.MaxTimestamp, pos, info.Size, _indexIntervalBytes);
            pos += info.Size;
        }

        _timeIndex.MaybeAppend(_maxTimestampSoFar.Timestamp, _maxTimestampSoFar.Offset, skipFullCheck: true);
        _maxTimestampKnown = true;
        _offsetIndex.TrimToValidSize();
        _timeIndex.TrimToValidSize();
    }

    /// <summary>
    /// Writes already-offset-assigned batches at the end with one positional write, then indexes them
    /// per batch as Kafka does (an entry when more than index.interval.bytes passed since the last).
    /// </summary>
    public void Append(ReadOnlySpan<byte> batches, long largestTimestamp, int indexIntervalBytes)
    {
        var start = _size;
        var offsetIndex = OffsetIndex;
        var timeIndex = TimeIndex;
        var handle = Handle;
        var (maxTimestamp, sinceIndexEntry, rollingBase) = (MaxTimestampSoFar, _bytesSinceLastIndexEntry, _rollingBasedTimestamp);
        try
        {
            RandomAccess.Write(handle, batches, start);
            if (start == 0)
            {
                _rollingBasedTimestamp = largestTimestamp;
            }

            var pos = 0;
            while (pos < batches.Length)
            {
                var h = new RecordBatchHeader(batches[pos..]);
                IndexBatchInto(offsetIndex, timeIndex, h.LastOffset, h.MaxTimestamp, start + pos, h.TotalSize, indexIntervalBytes);
                pos += h.TotalSize;
            }
        }
        catch (Exception e) when (StorageErrors.IsStorageError(e))
        {
            // Nothing half-written stays: the file goes back to its last whole batch and the indexes
            // forget entries for this append, so a retry (e.g. once space is freed) starts clean.
            var firstOffset = new RecordBatchHeader(batches).BaseOffset;
            offsetIndex.TruncateTo(firstOffset);
            timeIndex.TruncateTo(firstOffset);
            (_maxTimestampSoFar, _bytesSinceLastIndexEntry, _rollingBasedTimestamp) = (maxTimestamp, sinceIndexEntry, rollingBase);
            try
            {
                RandomAccess.SetLength(handle, start);
            }
            catch (Exception again) when (StorageErrors.IsStorageError(again))
            {
                // The size stays published at start, so the next append overwrites the tail and recovery cuts it.
            }

            throw;
        }

        _size = start + batches.Length;
    }

    /// <summary>Kafka's per-batch indexing; the caller has made <see cref="_maxTimestampSoFar"/> current.</summary>
    private void IndexBatchInto(OffsetIndex offsetIndex, TimeIndex timeIndex, long lastOffset, long maxTimestamp, int position, int size, int indexIntervalBytes)
    {
        if (maxTimestamp > _maxTimestampSoFar.Timestamp)
        {
            _maxTimestampSoFar = new TimestampOffset(maxTimestamp, lastOffset);
        }

        if (_bytesSinceLastIndexEntry > indexIntervalBytes)
        {
            offsetIndex.Append(lastOffset, position);
            timeIndex.MaybeAppend(_maxTimestampSoFar.Timestamp, _maxTimestampSoFar.Offset);
            _bytesSinceLastIndexEntry = 0;
        }

        _bytesSinceLastIndexEntry += size;
    }

    /// <summary>Kafka's <c>shouldRoll</c>, minus jitter.</summary>
    public bool ShouldRoll(LogConfig config, int incomingBytes, long incomingMaxTimestamp, long nowMs, long incomingLastOffset)
    {
        var size = _size;
        if (size > config.SegmentBytes - incomingBytes)
        {
            return true;
        }

        if (size > 0 && TimeWaitedForRoll(nowMs, incomingMaxTimestamp) > config.SegmentMs - config.SegmentJitterMs)
        {
            return true;
        }

        return OffsetIndex.IsFull || TimeIndex.IsFull || incomingLastOffset - BaseOffset > int.MaxValue;
    }

    private long TimeWaitedForRoll(long nowMs, long messageTimestamp)
    {
        if (_rollingBasedTimestamp < 0 && _size > 0)
        {
            Span<byte> header = stackalloc byte[RecordBatchHeader.Size];
            if (TryReadBatchInfo(0, _size, header, out var first))
            {
                _rollingBasedTimestamp = first.MaxTimestamp;
            }
        }

        return _rollingBasedTimestamp >= 0 ? messageTimestamp - _rollingBasedTimestamp : nowMs - CreatedMs;
    }

    /// <summary>Reads the header of the batch at <paramref name="position"/> if it lies whole below <paramref name="limit"/>.</summary>
    public bool TryReadBatchInfo(int position, int limit, Span<byte> scratch, out BatchInfo info)
    {
        info = default;
        if (limit - position < RecordBatchHeader.Size)
        {
            return false;
        }

        var read = RandomAccess.Read(Handle, scratch[..RecordBatchHeader.Size], position);
        return read == RecordBatchHeader.Size && BatchInfo.TryRead(scratch, out info) && position + (long)info.Size <= limit;
    }

    /// <summary>
    /// The first batch whose last offset is ≥ <paramref name="offset"/>, scanning forward from
    /// <paramref name="startPosition"/> (Kafka's <c>translateOffset</c>). Position −1 when none below <paramref name="limit"/>.
    /// </summary>
    public (int Position, BatchInfo Batch) FindBatch(long offset, int startPosition, int limit)
    {
        Span<byte> scratch = stackalloc byte[RecordBatchHeader.Size];
        var pos = startPosition;
        while (TryReadBatchInfo(pos, limit, scratch, out var info))
        {
            if (info.LastOffset >= offset)
            {
                return (pos, info);
            }

            pos += info.Size;
        }

        return (-1, default);
    }

    /// <summary>The batch holding <paramref name="offset"/> (or the next one), using the offset index to start.</summary>
    public (int Position, BatchInfo Batch) Translate(long offset, int limit) =>
        FindBatch(offset, OffsetIndex.Lookup(offset).Position, limit);

    /// <summary>
    /// The end position of the whole batches that fit in [<paramref name="start"/>, <paramref name="start"/> + <paramref name="maxBytes"/>],
    /// bounded by <paramref name="limit"/>; the scan starts from the index entry nearest below the cut.
    /// </summary>
    public int EndOfWholeBatches(int start, int maxBytes, int limit)
    {
        var cut = (int)Math.Min((long)start + maxBytes, limit);
        if (cut >= limit)
        {
            return limit;
        }

        var pos = Math.Max(start, OffsetIndex.LookupByPosition(cut).Position);
        Span<byte> scratch = stackalloc byte[RecordBatchHeader.Size];
        while (TryReadBatchInfo(pos, limit, scratch, out var info) && pos + (long)info.Size <= cut)
        {
            pos += info.Size;
        }

        return pos;
    }

    /// <summary>The offset after the last batch (Kafka's <c>readNextOffset</c>).</summary>
    public long ReadNextOffset()
    {
        Span<byte> scratch = stackalloc byte[RecordBatchHeader.Size];
        var limit = _size;
        var pos = OffsetIndex.LastEntry.Position;
        var next = BaseOffset;
        while (TryReadBatchInfo(pos, limit, scratch, out var info))
        {
            next = info.LastOffset + 1;
            pos += info.Size;
        }

        return next;
    }

    public int Read(Span<byte> destination, long position) => RandomAccess.Read(Handle, destination, position);

    /// <summary>Removes the batch holding <paramref name="offset"/> and everything after; returns the bytes removed.</summary>
    public int TruncateTo(long offset)
    {
        var (position, _) = Translate(offset, _size);
        if (position < 0)
        {
            return 0;
        }

        var removed = _size - position;
        OffsetIndex.TruncateTo(offset);
        TimeIndex.TruncateTo(offset);
        _size = position;
        RandomAccess.SetLength(Handle, position);
        _maxTimestampSoFar = TimeIndex.LastEntry;
        _maxTimestampKnown = true;
        _bytesSinceLastIndexEntry = 0;
        if (position == 0)
        {
            _rollingBasedTimestamp = -1;
        }

        return removed;
    }

    /// <summary>The segment stops taking appends: final time-index entry, indexes trimmed (Kafka's <c>onBecomeInactiveSegment</c>).</summary>
    public void OnBecomeInactive()
    {
        if (!_indexesChecked && !_offsetIndexChecked)
        {
            return; // never loaded since open: the files are as a previous roll or close left them
        }

        var max = MaxTimestampSoFar;
        TimeIndex.MaybeAppend(max.Timestamp, max.Offset, skipFullCheck: true);
        OffsetIndex.TrimToValidSize();
        TimeIndex.TrimToValidSize();
    }

    /// <summary>Lets the indexes take entries up to <paramref name="maxIndexSize"/> again without preallocating the files (start-up of the active segment).</summary>
    public void AllowIndexEntries(int maxIndexSize)
    {
        _offsetIndex.AllowUpTo(maxIndexSize);
        _timeIndex.AllowUpTo(maxIndexSize);
    }

    /// <summary>Preallocates the indexes again (the segment is, or is again, the active one).</summary>
    public void ResizeIndexes(int maxIndexSize)
    {
        OffsetIndex.Resize(maxIndexSize);
        TimeIndex.Resize(maxIndexSize);
    }

    /// <summary>Kafka's <c>largestTimestamp</c>: max batch timestamp, or the file's mtime when none is known.</summary>
    public long LargestTimestamp => MaxTimestampSoFar.Timestamp >= 0
        ? MaxTimestampSoFar.Timestamp
        : new DateTimeOffset(File.GetLastWriteTimeUtc(LogPath)).ToUnixTimeMilliseconds();

    /// <summary>
    /// First record with timestamp ≥ <paramref name="timestamp"/> and offset ≥ <paramref name="startingOffset"/>
    /// (Kafka's <c>findOffsetByTimestamp</c>): time index, then offset index, then a batch scan.
    /// </summary>
    public TimestampOffset FindOffsetByTimestamp(long timestamp, long startingOffset)
    {
        var entry = TimeIndex.Lookup(timestamp);
        var position = OffsetIndex.Lookup(Math.Max(entry.Offset, startingOffset)).Position;
        return ScanForTimestamp(position, (in BatchInfo b) => b.MaxTimestamp >= timestamp && b.LastOffset >= startingOffset, timestamp, startingOffset);
    }

    /// <summary>The first record carrying the segment's max timestamp (ListOffsets MAX_TIMESTAMP).</summary>
    public TimestampOffset FindMaxTimestampRecord()
    {
        var max = MaxTimestampSoFar;
        if (max.Timestamp < 0)
        {
            return TimestampOffset.Unknown;
        }

        // The time index entry before the max points at or before the batch that holds it.
        var position = OffsetIndex.Lookup(TimeIndex.Lookup(max.Timestamp - 1).Offset).Position;
        return ScanForTimestamp(position, (in BatchInfo b) => b.MaxTimestamp == max.Timestamp, max.Timestamp, BaseOffset);
    }

    private delegate bool BatchPredicate(in BatchInfo batch);

    private TimestampOffset ScanForTimestamp(int position, BatchPredicate predicate, long target, long minOffset)
    {
        Span<byte> scratch = stackalloc byte[RecordBatchHeader.Size];
        var limit = _size;
        var pos = position;
        while (TryReadBatchInfo(pos, limit, scratch, out var info))
        {
            if (predicate(info))
            {
                var buffer = ArrayPool<byte>.Shared.Rent(info.Size);
                try
                {
                    var batch = buffer.AsSpan(0, info.Size);
                    RandomAccess.Read(Handle, batch, pos);
                    var found = RecordTimestamps.FindFirstAtLeast(batch, target, minOffset);
                    if (found.Offset >= 0)
                    {
                        return found;
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }

            pos += info.Size;
        }

        return TimestampOffset.Unknown;
    }

    public void Flush()
    {
        RandomAccess.FlushToDisk(Handle);
        _offsetIndex.Flush();
        _timeIndex.Flush();
    }

    /// <summary>Renames the three files by appending <paramref name="suffix"/> (e.g. <c>.deleted</c>), as Kafka does.</summary>
    public void AddFileSuffix(string suffix)
    {
        lock (_openLock)
        {
            var newLog = LogPath + suffix;
            File.Move(LogPath, newLog, overwrite: true);
            LogPath = newLog;
        }

        _offsetIndex.RenameTo(_offsetIndex.FilePath + suffix);
        _timeIndex.RenameTo(_timeIndex.FilePath + suffix);
    }

    /// <summary>Closes handles and removes the files.</summary>
    public void DeleteFiles()
    {
        Dispose();
        File.Delete(LogPath);
        _offsetIndex.DeleteFile();
        _timeIndex.DeleteFile();
    }

    /// <summary>Closes after a clean shutdown: final time-index entry and trimmed indexes first.</summary>
    public void Close()
    {
        if (!_disposed)
        {
            OnBecomeInactive();
            Dispose();
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        lock (_openLock)
        {
            _disposed = true;
            _log?.Dispose();
        }

        _offsetIndex.Dispose();
        _timeIndex.Dispose();
    }
}
