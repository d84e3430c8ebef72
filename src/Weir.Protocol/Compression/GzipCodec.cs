using System.Buffers;
using System.IO.Compression;

namespace Weir.Protocol.Compression;

/// <summary>Gzip (RFC 1952) as Java's GZIPOutputStream writes it, through System.IO.Compression.</summary>
internal static unsafe class GzipCodec
{
    public static void Compress(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        using var sink = new BufferWriterStream(output);
        using var gzip = new GZipStream(sink, CompressionLevel.Optimal, leaveOpen: true);
        gzip.Write(input);
    }

    /// <summary>Accepts concatenated gzip members, as Java's GZIPInputStream does.</summary>
    public static void Decompress(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        fixed (byte* src = input)
        {
            using var source = new UnmanagedMemoryStream(src, input.Length);
            using var gzip = new GZipStream(source, CompressionMode.Decompress);
            while (true)
            {
                var destination = output.GetSpan(64 * 1024);
                var read = gzip.Read(destination);
                if (read == 0)
                {
                    return;
                }

                output.Advance(read);
            }
        }
    }
}
