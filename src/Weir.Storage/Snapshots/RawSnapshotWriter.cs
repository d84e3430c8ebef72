namespace Weir.Storage.Snapshots;

/// <summary>
/// Writes one snapshot's bytes (Kafka's <c>FileRawSnapshotWriter</c>): whole record batches appended to
/// <c>&lt;id&gt;.checkpoint.part</c>; <see cref="Freeze"/> fsyncs it and renames it to <c>&lt;id&gt;.checkpoint</c>,
/// so a reader sees a whole snapshot or none. Disposed unfrozen (an error midway), the part file is removed;
/// a crash leaves it for <see cref="SnapshotFiles.DeleteLeftovers"/> at the next start.
/// </summary>
public sealed class RawSnapshotWriter : IDisposable
{
    private readonly FileStream _file;
    private readonly string _partialPath;
    private bool _frozen;
    private bool _disposed;

    private RawSnapshotWriter(string directory, SnapshotId id)
    {
        Directory = directory;
        Id = id;
        _partialPath = SnapshotFiles.PartialPathOf(directory, id);
        _file = new FileStream(_partialPath, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024);
    }

    public string Directory { get; }

    public SnapshotId Id { get; }

    public long SizeInBytes => _file.CanWrite ? _file.Length : new FileInfo(SnapshotFiles.PathOf(Directory, Id)).Length;

    public bool IsFrozen => _frozen;

    /// <summary>Starts a snapshot in <paramref name="directory"/>; an existing part file of the same id is overwritten.</summary>
    public static RawSnapshotWriter Create(string directory, SnapshotId id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id.EndOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(id.Epoch);
        System.IO.Directory.CreateDirectory(directory);
        return new RawSnapshotWriter(directory, id);
    }

    /// <summary>Appends whole record batches (the caller builds them; this layer knows no record semantics).</summary>
    public void Append(ReadOnlySpan<byte> batches)
    {
        ThrowIfFrozen();
        _file.Write(batches);
    }

    /// <summary>fsyncs the file and renames it to its final name; returns the snapshot's size in bytes.</summary>
    public long Freeze()
    {
        ThrowIfFrozen();
        _file.Flush(flushToDisk: true);
        var size = _file.Length;
        _file.Dispose();
        File.Move(_partialPath, SnapshotFiles.PathOf(Directory, Id), overwrite: true);
        _frozen = true;
        return size;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _file.Dispose();
        if (!_frozen)
        {
            File.Delete(_partialPath);
        }
    }

    private void ThrowIfFrozen()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_frozen)
        {
            throw new InvalidOperationException($"Snapshot {Id} is already frozen.");
        }
    }
}
