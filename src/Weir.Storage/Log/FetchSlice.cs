using Microsoft.Win32.SafeHandles;

namespace Weir.Storage.Log;

/// <summary>
/// The answer to a read: a byte range of one segment file holding whole batches, which the broker can
/// send straight from the file, or copy with <see cref="CopyTo"/>. The handle stays open at least
/// file.delete.delay.ms after the segment is deleted.
/// </summary>
public readonly record struct FetchSlice(
    LogError Error,
    SafeFileHandle? File,
    long Position,
    int Length,
    long FirstBatchBaseOffset,
    long HighWatermark,
    long LogStartOffset,
    long LogEndOffset)
{
    public bool IsEmpty => Length == 0;

    /// <summary>Copies the range into <paramref name="destination"/> (at least <see cref="Length"/> bytes); returns bytes copied.</summary>
    public int CopyTo(Span<byte> destination) =>
        Length == 0 || File is null ? 0 : Read(File, Position, destination[..Length]);

    /// <summary>
    /// The range as records for a response: the writer reads them from the file straight into the
    /// output buffer when the response is written, so no managed copy is made.
    /// </summary>
    public ReadOnlyMemory<byte> AsRecords() =>
        Length == 0 || File is null ? ReadOnlyMemory<byte>.Empty : new FileRegionRecords(File, Position, Length).Memory;

    /// <summary>Reads until <paramref name="destination"/> is full or the file ends (truncated underneath us by a follower); returns bytes read.</summary>
    internal static int Read(SafeFileHandle file, long position, Span<byte> destination)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var n = RandomAccess.Read(file, destination[total..], position + total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    /// <summary>Convenience for tests and cold paths: the range as a new array.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        var n = CopyTo(bytes);
        return n == Length ? bytes : bytes[..n];
    }
}
