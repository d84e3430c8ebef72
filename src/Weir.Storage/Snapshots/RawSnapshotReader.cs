using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using Weir.Protocol.Records;
using Weir.Storage.Log;

namespace Weir.Storage.Snapshots;

/// <summary>
/// Reads one frozen snapshot (Kafka's <c>FileRawSnapshotReader</c>): byte ranges, as FetchSnapshot serves
/// them, or its record batches in order, each checked (framing and CRC) before it is handed out.
/// </summary>
public sealed class RawSnapshotReader : IDisposable
{
    private readonly SafeFileHandle _handle;

    private RawSnapshotReader(string path, SnapshotId id, SafeFileHandle handle)
    {
        Path = path;
        Id = id;
        _handle = handle;
        SizeInBytes = RandomAccess.GetLength(handle);
    }

    public string Path { get; }

    public SnapshotId Id { get; }

    public long SizeInBytes { get; }

    /// <summary>Opens snapshot <paramref name="id"/> of <paramref name="directory"/>; null when there is none.</summary>
    public static RawSnapshotReader? Open(string directory, SnapshotId id)
    {
        var path = SnapshotFiles.PathOf(directory, id);
        try
        {
            return new RawSnapshotReader(path, id, File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Copies bytes from <paramref name="position"/> into <paramref name="destination"/>; returns how many (0 at the end).</summary>
    public int Read(long position, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        var total = 0;
        while (total < destination.Length && position + total < SizeInBytes)
        {
            var n = RandomAccess.Read(_handle, destination[total..], position + total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    /// <summary>
    /// Visits every batch in file order. Throws <see cref="CorruptSnapshotException"/> at the first batch
    /// that is torn or fails its CRC; batches before it have been visited.
    /// </summary>
    public void ForEachBatch(BatchVisitor visitor)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        Span<byte> overhead = stackalloc byte[RecordBatchHeader.LogOverhead];
        long position = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (position < SizeInBytes)
            {
                if (Read(position, overhead) < overhead.Length)
                {
                    throw Corrupt(position, "a torn batch header");
                }

                var length = BinaryPrimitives.ReadInt32BigEndian(overhead[RecordBatchHeader.BatchLengthOffset..]);
                if (length < RecordBatch.MinimumBatchLength || length > SizeInBytes - position - RecordBatchHeader.LogOverhead)
                {
                    throw Corrupt(position, $"a batch length of {length}");
                }

                var size = RecordBatchHeader.LogOverhead + length;
                if (buffer.Length < size)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(size);
                }

                var batch = buffer.AsSpan(0, size);
                if (Read(position, batch) < size)
                {
                    throw Corrupt(position, "a torn batch");
                }

                var error = RecordBatch.Validate(batch);
                if (error != RecordBatchError.None)
                {
                    throw Corrupt(position, $"an invalid batch ({error})");
                }

                visitor(batch);
                position += size;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => _handle.Dispose();

    private CorruptSnapshotException Corrupt(long position, string what) =>
        new($"Snapshot {System.IO.Path.GetFileName(Path)} has {what} at byte {position} of {SizeInBytes}.");
}
