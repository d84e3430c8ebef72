using System.Buffers;
using System.Buffers.Binary;
using Weir.Protocol.Compression;
using Weir.Protocol.Records;

namespace Weir.Protocol.Tests.Compression;

public class CompressionCodecsTests
{
    public static TheoryData<CompressionType, int> CodecsAndSizes()
    {
        var data = new TheoryData<CompressionType, int>();
        foreach (var codec in new[] { CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd })
        {
            foreach (var size in new[] { 0, 1, 1000, 200_000 })
            {
                data.Add(codec, size);
            }
        }

        return data;
    }

    private static byte[] Input(int size)
    {
        var random = new Random(size);
        var bytes = new byte[size];
        for (var i = 0; i < size; i++)
        {
            bytes[i] = (byte)(i % 97 < 60 ? 'a' + (i % 7) : random.Next(256)); // part repetitive, part noise
        }

        return bytes;
    }

    private static byte[] Compress(CompressionType codec, ReadOnlySpan<byte> input)
    {
        var output = new ArrayBufferWriter<byte>();
        CompressionCodecs.Compress(codec, input, output);
        return output.WrittenSpan.ToArray();
    }

    private static byte[] Decompress(CompressionType codec, ReadOnlySpan<byte> input)
    {
        using var output = new PooledBufferWriter(16); // tiny on purpose: codecs must cope with growth
        CompressionCodecs.Decompress(codec, input, output);
        return output.WrittenSpan.ToArray();
    }

    [Theory]
    [MemberData(nameof(CodecsAndSizes))]
    public void Round_trip(CompressionType codec, int size)
    {
        Assert.True(CompressionCodecs.IsAvailable(codec));
        var input = Input(size);
        var compressed = Compress(codec, input);
        if (size == 200_000 && codec != CompressionType.None)
        {
            Assert.True(compressed.Length < size * 3 / 4, $"{codec} made {compressed.Length} bytes of {size}");
        }

        Assert.Equal(input, Decompress(codec, compressed));
    }

    [Fact]
    public void Snappy_writes_xerial_framing_with_32k_blocks_and_reads_raw_blocks_too()
    {
        var input = Input(100_000);
        var framed = Compress(CompressionType.Snappy, input);
        Assert.Equal([0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1], framed[..16]);
        var blocks = 0;
        for (var p = 16; p < framed.Length; p += 4 + BinaryPrimitives.ReadInt32BigEndian(framed.AsSpan(p)))
        {
            blocks++;
        }

        Assert.Equal(4, blocks); // 100 000 bytes in 32 KiB blocks

        var raw = new ArrayBufferWriter<byte>();
        SnappyCodec.CompressRaw(input, raw);
        Assert.False(SnappyCodec.IsXerialFramed(raw.WrittenSpan));
        Assert.Equal(input, Decompress(CompressionType.Snappy, raw.WrittenSpan));

        // snappy-java reads concatenated framed streams; so do we.
        var second = Compress(CompressionType.Snappy, "tail"u8);
        Assert.Equal([.. input, .. "tail"u8], Decompress(CompressionType.Snappy, [.. framed, .. second]));
    }

    [Theory]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public void Truncated_or_garbage_input_throws_InvalidDataException(CompressionType codec)
    {
        var compressed = Compress(codec, Input(50_000));
        Assert.Throws<InvalidDataException>(() => Decompress(codec, compressed.AsSpan(0, compressed.Length / 2)));
        var garbage = new byte[64];
        new Random(3).NextBytes(garbage);
        garbage[0] = 0xFF; // not a gzip/lz4/zstd magic, nor a plausible snappy length
        garbage[1] = 0xFF;
        garbage[2] = 0xFF;
        garbage[3] = 0xFF;
        garbage[4] = 0xFF;
        Assert.Throws<InvalidDataException>(() => Decompress(codec, garbage));
    }

    [Fact]
    public void Concatenated_lz4_and_zstd_frames_decode_as_one_stream()
    {
        foreach (var codec in new[] { CompressionType.Lz4, CompressionType.Zstd })
        {
            var a = Compress(codec, "first "u8);
            var b = Compress(codec, "second"u8);
            Assert.Equal("first second"u8.ToArray(), Decompress(codec, [.. a, .. b]));
        }
    }

    [Fact]
    public void A_missing_native_library_names_the_debian_package()
    {
        var library = new NativeCodecLibrary("LZ4", "liblz4-1", "libweir-does-not-exist.so.1");
        Assert.False(library.IsAvailable);
        var thrown = Assert.Throws<DllNotFoundException>(() => library.Export("LZ4F_decompress"));
        Assert.Contains("libweir-does-not-exist.so.1", thrown.Message);
        Assert.Contains("liblz4-1", thrown.Message);
        Assert.Contains("scripts/setup-test-deps.sh", thrown.Message);
    }
}
