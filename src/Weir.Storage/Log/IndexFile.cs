using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Weir.Storage.Log;

/// <summary>
/// Common part of the offset and time indexes (Kafka's <c>AbstractIndex</c> and <c>LazyIndex</c>): a
/// file of fixed-size entries, preallocated while the segment is active and trimmed when it rolls or
/// closes. The entries lookups use live in a managed array that holds only the real entries (a
/// preallocated tail of zeros is not read), loaded on first use, so a segment nobody reads costs
/// neither memory nor a file handle. New entries are written to the file when the segment is flushed,
/// rolled or closed, through a handle opened for that moment only: after a crash the active segment's
/// index is rebuilt from the log anyway, as Kafka does. One writer; readers see entries up to the
/// published count, which is stored after the entry itself.
/// </summary>
internal abstract class IndexFile<TEntry> : IDisposable
    where TEntry : struct
{
    private const FileShare Share = FileShare.ReadWrite | FileShare.Delete;
    private readonly Lock _lock = new();
    private TEntry[]? _entries;
    private volatile int _count;
    private int _maxEntries;
    private int _persisted;
    private long _loadedFileLength;
    private bool _disposed;

    protected IndexFile(string path, long baseOffset, int entrySize)
    {
        FilePath = path;
        BaseOffset = baseOffset;
        EntrySize = entrySize;
    }

    public string FilePath { get; private set; }

    public long BaseOffset { get; }

    /// <summary>The file's length when loaded, for the sanity check.</summary>
    public long LoadedFileLength
    {
        get
        {
            EnsureLoaded();
            return _loadedFileLength;
        }
    }

    public int EntrySize { get; }

    /// <summary>True once the entries are in memory (tests: segments nobody reads stay unloaded).</summary>
    public bool IsLoaded => Volatile.Read(ref _entries) is not null;

    public int Count
    {
        get
        {
            EnsureLoaded();
            return _count;
        }
    }

    public bool IsFull => Count >= _maxEntries;

    public int MaxEntries
    {
        get
        {
            EnsureLoaded();
            return _maxEntries;
        }
    }

    /// <summary>Entry at <paramref name="index"/>; valid for index &lt; a previously read <see cref="Count"/>.</summary>
    protected TEntry EntryAt(int index) => Volatile.Read(ref _entries)![index];

    protected abstract TEntry ReadEntry(ReadOnlySpan<byte> source);

    protected abstract void WriteEntry(Span<byte> destination, in TEntry entry);

    private void EnsureLoaded()
    {
        if (Volatile.Read(ref _entries) is null)
        {
            Load();
        }
    }

    /// <summary>
    /// Reads the real entries: whole entries only, up to the first all-zero one (a preallocated tail,
    /// found by binary search as entries are never zero before it), so memory follows the entries.
    /// </summary>
    private void Load()
    {
        lock (_lock)
        {
            if (_entries is not null)
            {
                return;
            }

            ObjectDisposedException.ThrowIf(_disposed, this);
            TEntry[] entries = [];
            var count = 0;
            long length = 0;
            SafeFileHandle? handle = null;
            try
            {
                handle = File.OpenHandle(FilePath, FileMode.Open, FileAccess.Read, Share);
            }
            catch (FileNotFoundException)
            {
            }

            if (handle is not null)
            {
                using (handle)
                {
                    length = RandomAccess.GetLength(handle);
                    var slots = (int)Math.Min(length / EntrySize, int.MaxValue / 16);
                    count = RealEntryCount(handle, slots);
                    entries = new TEntry[count];
                    ReadEntries(handle, entries, count);
                }
            }

            _loadedFileLength = length;
            _count = count;
            _persisted = count;
            _maxEntries = Math.Max(_maxEntries, count);
            Volatile.Write(ref _entries, entries);
        }
    }

    private int RealEntryCount(SafeFileHandle handle, int slots)
    {
        Span<byte> entry = stackalloc byte[16];
        entry = entry[..EntrySize];
        if (slots == 0 || !IsZeroAt(handle, slots - 1, entry))
        {
            return slots;
        }

        var lo = 0;
        var hi = slots - 1; // known zero
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (IsZeroAt(handle, mid, entry))
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    private bool IsZeroAt(SafeFileHandle handle, int slot, Span<byte> scratch)
    {
        var n = RandomAccess.Read(handle, scratch, (long)slot * EntrySize);
        return n < scratch.Length || !scratch.ContainsAnyExcept((byte)0);
    }

    private void ReadEntries(SafeFileHandle handle, TEntry[] entries, int count)
    {
        var chunkEntries = 64 * 1024 / EntrySize;
        var buffer = ArrayPool<byte>.Shared.Rent(chunkEntries * EntrySize);
        try
        {
            for (var done = 0; done < count;)
            {
                var n = Math.Min(chunkEntries, count - done);
                var bytes = buffer.AsSpan(0, n * EntrySize);
                var read = 0;
                while (read < bytes.Length)
                {
                    var r = RandomAccess.Read(handle, bytes[read..], ((long)done * EntrySize) + read);
                    if (r == 0)
                    {
                        throw new InvalidDataException($"Index {FilePath} shrank while being read.");
                    }

                    read += r;
                }

                for (var i = 0; i < n; i++)
                {
                    entries[done + i] = ReadEntry(bytes.Slice(i * EntrySize, EntrySize));
                }

                done += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected void AppendEntry(in TEntry entry)
    {
        if (IsFull)
        {
            throw new InvalidOperationException($"Index {FilePath} is full ({_maxEntries} entries).");
        }

        var count = _count;
        var entries = _entries!;
        if (count == entries.Length)
        {
            var grown = new TEntry[Math.Min(Math.Max(entries.Length * 2, 16), Math.Max(_maxEntries, count + 1))];
            Array.Copy(entries, grown, count);
            grown[count] = entry;
            Volatile.Write(ref _entries, grown);
        }
        else
        {
            entries[count] = entry;
        }

        _count = count + 1;
    }

    /// <summary>Forgets entries from <paramref name="newCount"/> on (truncation).</summary>
    protected void TruncateEntries(int newCount)
    {
        lock (_lock)
        {
            EnsureLoaded();
            if (newCount < _count)
            {
                _count = newCount;
                _persisted = Math.Min(_persisted, newCount);
            }
        }
    }

    /// <summary>Empties the index for a rebuild, without reading the file; room for <paramref name="maxIndexSize"/> bytes of entries.</summary>
    public void Reset(int maxIndexSize)
    {
        lock (_lock)
        {
            _count = 0;
            _persisted = 0;
            _maxEntries = Math.Max(maxIndexSize / EntrySize, 0);
            Volatile.Write(ref _entries, []);
        }
    }

    /// <summary>Makes room in memory for one more entry (the final time-index entry of a trimmed index).</summary>
    protected void MakeRoomForOne()
    {
        lock (_lock)
        {
            EnsureLoaded();
            _maxEntries = Math.Max(_maxEntries, _count + 1);
        }
    }

    /// <summary>Allows entries up to <paramref name="maxIndexSize"/> bytes without touching the file (it grows as entries are written).</summary>
    public void AllowUpTo(int maxIndexSize)
    {
        lock (_lock)
        {
            // No load needed: loading keeps the larger of this and the entries found.
            _maxEntries = Math.Max(maxIndexSize / EntrySize, _entries is null ? 0 : _count);
        }
    }

    /// <summary>Grows (preallocates) the file to <paramref name="maxIndexSize"/> rounded down to whole entries.</summary>
    public void Resize(int maxIndexSize)
    {
        lock (_lock)
        {
            EnsureLoaded();
            var roundedEntries = Math.Max(maxIndexSize / EntrySize, _count);
            using (var handle = OpenForWrite())
            {
                WritePendingLocked(handle);
                RandomAccess.SetLength(handle, (long)roundedEntries * EntrySize);
            }

            _maxEntries = roundedEntries;
        }
    }

    /// <summary>Writes the entries and cuts the file to them (Kafka's <c>trimToValidSize</c>).</summary>
    public void TrimToValidSize() => Persist(trim: true, fsync: false);

    /// <summary>Writes the entries not yet in the file and fsyncs it.</summary>
    public void Flush() => Persist(trim: false, fsync: true);

    private void Persist(bool trim, bool fsync)
    {
        lock (_lock)
        {
            if (_disposed || _entries is null || (!trim && _persisted == _count && !fsync))
            {
                return; // never loaded: the file is as it was found
            }

            using var handle = OpenForWrite();
            WritePendingLocked(handle);
            if (trim)
            {
                RandomAccess.SetLength(handle, (long)_count * EntrySize);
                _maxEntries = _count;
            }

            if (fsync)
            {
                RandomAccess.FlushToDisk(handle);
            }
        }
    }

    private SafeFileHandle OpenForWrite()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return File.OpenHandle(FilePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, Share);
    }

    private void WritePendingLocked(SafeFileHandle handle)
    {
        var count = _count;
        var entries = Volatile.Read(ref _entries)!;
        if (_persisted >= count)
        {
            return;
        }

        var chunkEntries = 64 * 1024 / EntrySize;
        var buffer = ArrayPool<byte>.Shared.Rent(chunkEntries * EntrySize);
        try
        {
            for (var from = _persisted; from < count;)
            {
                var n = Math.Min(chunkEntries, count - from);
                for (var i = 0; i < n; i++)
                {
                    WriteEntry(buffer.AsSpan(i * EntrySize, EntrySize), entries[from + i]);
                }

                RandomAccess.Write(handle, buffer.AsSpan(0, n * EntrySize), (long)from * EntrySize);
                from += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _persisted = count;
    }

    public void RenameTo(string newPath)
    {
        lock (_lock)
        {
            if (File.Exists(FilePath))
            {
                File.Move(FilePath, newPath, overwrite: true);
            }

            FilePath = newPath;
        }
    }

    public void DeleteFile()
    {
        lock (_lock)
        {
            _disposed = true;
            File.Delete(FilePath);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }
    }
}
