using Microsoft.Win32.SafeHandles;

namespace Weir.Storage.Log;

/// <summary>
/// Common part of the offset and time indexes (Kafka's <c>AbstractIndex</c>): a file of fixed-size
/// entries, preallocated while the segment is active and trimmed when it rolls or closes. Kafka maps
/// the file into memory; here the entries live in a managed array (what lookups use) and each new
/// entry is also written through to the file. One writer; readers see entries up to the published
/// count, which is stored after the entry itself.
/// </summary>
internal abstract class IndexFile<TEntry> : IDisposable
    where TEntry : struct
{
    private SafeFileHandle _handle;
    private TEntry[] _entries;
    private volatile int _count;
    private int _maxEntries;

    protected IndexFile(string path, long baseOffset, int maxIndexSize, int entrySize, bool preallocate)
    {
        FilePath = path;
        BaseOffset = baseOffset;
        EntrySize = entrySize;
        _handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        var length = RandomAccess.GetLength(_handle);
        LoadedFileLength = length;
        var existing = (int)(length / entrySize);
        _entries = new TEntry[Math.Max(16, existing)];
        if (existing > 0)
        {
            var bytes = new byte[existing * entrySize];
            RandomAccess.Read(_handle, bytes, 0);
            for (var i = 0; i < existing; i++)
            {
                _entries[i] = ReadEntry(bytes.AsSpan(i * entrySize, entrySize));
            }
        }

        _count = existing;
        _maxEntries = existing;
        if (preallocate)
        {
            Resize(maxIndexSize);
        }
    }

    public string FilePath { get; private set; }

    public long BaseOffset { get; }

    /// <summary>The file's length when opened, for the load-time sanity check.</summary>
    public long LoadedFileLength { get; }

    public int EntrySize { get; }

    public int Count => _count;

    public bool IsFull => _count >= _maxEntries;

    public int MaxEntries => _maxEntries;

    /// <summary>Entry at <paramref name="index"/>; valid for index &lt; a previously read <see cref="Count"/>.</summary>
    protected TEntry EntryAt(int index) => Volatile.Read(ref _entries)[index];

    protected abstract TEntry ReadEntry(ReadOnlySpan<byte> source);

    protected abstract void WriteEntry(Span<byte> destination, in TEntry entry);

    protected void AppendEntry(in TEntry entry)
    {
        if (IsFull)
        {
            throw new InvalidOperationException($"Index {FilePath} is full ({_maxEntries} entries).");
        }

        var count = _count;
        Span<byte> buffer = stackalloc byte[16];
        WriteEntry(buffer, entry);
        RandomAccess.Write(_handle, buffer[..EntrySize], (long)count * EntrySize);
        var entries = _entries;
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

    /// <summary>Forgets entries from <paramref name="newCount"/> on (truncation, or a rebuild when 0).</summary>
    protected void TruncateEntries(int newCount)
    {
        if (newCount < _count)
        {
            _count = newCount;
        }
    }

    /// <summary>Resets the index for a rebuild.</summary>
    public void Reset() => _count = 0;

    /// <summary>Grows (preallocates) the file to <paramref name="maxIndexSize"/> rounded down to whole entries.</summary>
    public void Resize(int maxIndexSize)
    {
        var roundedEntries = Math.Max(maxIndexSize / EntrySize, _count);
        RandomAccess.SetLength(_handle, (long)roundedEntries * EntrySize);
        _maxEntries = roundedEntries;
    }

    /// <summary>Cuts the file to its real entries (Kafka's <c>trimToValidSize</c>).</summary>
    public void TrimToValidSize()
    {
        RandomAccess.SetLength(_handle, (long)_count * EntrySize);
        _maxEntries = _count;
    }

    public void Flush() => RandomAccess.FlushToDisk(_handle);

    public void RenameTo(string newPath)
    {
        File.Move(FilePath, newPath, overwrite: true);
        FilePath = newPath;
    }

    public void DeleteFile() => File.Delete(FilePath);

    public void Dispose() => _handle.Dispose();
}
