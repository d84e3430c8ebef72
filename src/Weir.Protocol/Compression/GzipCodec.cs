using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace Weir.Protocol.Compression;

/// <summary>Gzip (RFC 1952) as Java's GZIPOutputStream writes it, through System.IO.Compression.</summary>
internal static unsafe class GzipCodec
{
    // 10-byte header, empty final deflate block, CRC32 0, ISIZE 0. GZipStream writes nothing at
    // all for empty input, but every Kafka client expects a complete gzip member.
    private static ReadOnlySpan<byte> EmptyMember => [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private const int MinimumMemberSize = 18; // header 10 + trailer 8

    public static void Compress(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        if (input.IsEmpty)
        {
            EmptyMember.CopyTo(output.GetSpan(EmptyMember.Length));
            output.Advance(EmptyMember.Length);
            return;
        }

        using var sink = new BufferWriterStream(output);
        using var gzip = new GZipStream(sink, CompressionLevel.Optimal, leaveOpen: true);
        gzip.Write(input);
    }

    /// <summary>
    /// Decodes one gzip member (what Java, librdkafka and kafka-python write). GZipStream returns
    /// end-of-stream for a cut-off input instead of failing, so the trailer's ISIZE is checked
    /// against the bytes produced; that also rejects several concatenated members.
    /// </summary>
    public static void Decompress(ReadOnlySpan<byte> input, IBufferWriter<byte> output, int maxBytes)
    {
        if (input.Length < MinimumMemberSize)
        {
            throw new InvalidDataException($"Gzip stream of {input.Length} bytes is shorter than a gzip header and trailer.");
        }

        long produced = 0;
        fixed (byte* src = input)
        {
            using var source = new UnmanagedMemoryStream(src, input.Length);
            using var gzip = new GZipStream(source, CompressionMode.Decompress);
            while (true)
            {
                var destination = DecompressionLimit.Clamp(output.GetSpan(64 * 1024), produced, maxBytes);
                var read = gzip.Read(destination);
                if (read == 0)
                {
                    break;
                }

                output.Advance(read);
                produced += read;
                DecompressionLimit.Check(produced, maxBytes);
            }
        }

        var size = BinaryPrimitives.ReadUInt32LittleEndian(input[^4..]);
        if (size != (uint)produced)
        {
            throw new InvalidDataException($"Gzip stream is truncated or corrupt: trailer says {size} bytes, decoded {produced}.");
        }
    }
}
