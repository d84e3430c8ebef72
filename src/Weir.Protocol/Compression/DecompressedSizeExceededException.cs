namespace Weir.Protocol.Compression;

/// <summary>
/// The compressed input inflates beyond the byte bound the caller set: a decompression bomb, or a
/// batch too large to be plausible. Thrown as soon as the bound is crossed, so at most the bound
/// (plus one output chunk) is ever held in memory.
/// </summary>
public sealed class DecompressedSizeExceededException(int maxBytes)
    : IOException($"The compressed records inflate beyond {maxBytes} bytes.")
{
    public int MaxBytes { get; } = maxBytes;
}

/// <summary>Keeps a codec's output within the bound: the spans it decodes into never reach past bound + 1.</summary>
internal static class DecompressionLimit
{
    /// <summary>
    /// <paramref name="destination"/> cut to one byte more than may still be written, so a codec
    /// that has more to give shows it by filling that byte, and <see cref="Check"/> then throws.
    /// </summary>
    public static Span<byte> Clamp(Span<byte> destination, long produced, int maxBytes)
    {
        var room = maxBytes - produced + 1;
        return destination.Length > room ? destination[..(int)room] : destination;
    }

    public static void Check(long produced, int maxBytes)
    {
        if (produced > maxBytes)
        {
            throw new DecompressedSizeExceededException(maxBytes);
        }
    }
}
