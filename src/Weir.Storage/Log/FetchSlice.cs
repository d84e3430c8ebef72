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
    public int CopyTo(Span<byte> destination)
    {
        if (Length == 0 || File is null)
        {
            return 0;
        }

        var total = 0;
        while (total < Length)
        {
            var n = RandomAccess.Read(File, destination.Slice(total, Length - total), Position + total);
            if (n == 0)
            {
                break; // truncated underneath us (follower truncation); return what exists
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
