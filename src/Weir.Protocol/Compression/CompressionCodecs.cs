using System.Buffers;
using Weir.Protocol.Records;

namespace Weir.Protocol.Compression;

/// <summary>
/// The four Kafka codecs behind one API. Compress writes what Java clients write (gzip member,
/// xerial-framed snappy, LZ4 frame with independent blocks, zstd frame at level 3); Decompress
/// reads what any client writes (also raw snappy from librdkafka, concatenated frames/members).
/// Corrupt or truncated input throws <see cref="InvalidDataException"/>, output past a caller's
/// bound <see cref="DecompressedSizeExceededException"/>; a missing native library
/// (liblz4, libzstd) throws <see cref="DllNotFoundException"/> naming the Debian package.
/// </summary>
public static class CompressionCodecs
{
    /// <summary>Whether <paramref name="type"/> can be used here (its native library loads).</summary>
    public static bool IsAvailable(CompressionType type) => type switch
    {
        CompressionType.None or CompressionType.Gzip or CompressionType.Snappy => true,
        CompressionType.Lz4 => Lz4Codec.IsAvailable,
        CompressionType.Zstd => ZstdCodec.IsAvailable,
        _ => false,
    };

    public static void Compress(CompressionType type, ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        switch (type)
        {
            case CompressionType.None:
                input.CopyTo(output.GetSpan(input.Length));
                output.Advance(input.Length);
                break;
            case CompressionType.Gzip:
                GzipCodec.Compress(input, output);
                break;
            case CompressionType.Snappy:
                SnappyCodec.Compress(input, output);
                break;
            case CompressionType.Lz4:
                Lz4Codec.Compress(input, output);
                break;
            case CompressionType.Zstd:
                ZstdCodec.Compress(input, output);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown compression type.");
        }
    }

    public static void Decompress(CompressionType type, ReadOnlySpan<byte> input, IBufferWriter<byte> output) =>
        Decompress(type, input, output, Array.MaxLength);

    /// <summary>
    /// As <see cref="Decompress(CompressionType, ReadOnlySpan{byte}, IBufferWriter{byte})"/>, streaming
    /// and stopping with <see cref="DecompressedSizeExceededException"/> as soon as the output would
    /// pass <paramref name="maxBytes"/>: a 32 KB bomb costs at most the bound, never its full size.
    /// </summary>
    public static void Decompress(CompressionType type, ReadOnlySpan<byte> input, IBufferWriter<byte> output, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        switch (type)
        {
            case CompressionType.None:
                DecompressionLimit.Check(input.Length, maxBytes);
                input.CopyTo(output.GetSpan(input.Length));
                output.Advance(input.Length);
                break;
            case CompressionType.Gzip:
                GzipCodec.Decompress(input, output, maxBytes);
                break;
            case CompressionType.Snappy:
                SnappyCodec.Decompress(input, output, maxBytes);
                break;
            case CompressionType.Lz4:
                Lz4Codec.Decompress(input, output, maxBytes);
                break;
            case CompressionType.Zstd:
                ZstdCodec.Decompress(input, output, maxBytes);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown compression type.");
        }
    }
}
