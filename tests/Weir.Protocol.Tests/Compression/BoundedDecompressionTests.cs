using Weir.Protocol.Compression;
using Weir.Protocol.Records;

namespace Weir.Protocol.Tests.Compression;

/// <summary>
/// Decompression with a byte bound: exactly the bound is fine, one byte more throws
/// <see cref="DecompressedSizeExceededException"/>, and a bomb costs the bound, not its size.
/// </summary>
public class BoundedDecompressionTests
{
    public static TheoryData<CompressionType> Codecs => new() { CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd };

    private static byte[] Compress(CompressionType codec, byte[] input)
    {
        using var output = new PooledBufferWriter();
        CompressionCodecs.Compress(codec, input, output);
        return output.WrittenSpan.ToArray();
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Output_up_to_the_bound_is_decoded_and_one_byte_over_is_refused(CompressionType codec)
    {
        var input = new byte[300_000];
        new Random(7).NextBytes(input.AsSpan(0, 1000));
        var compressed = Compress(codec, input);

        using (var exact = new PooledBufferWriter())
        {
            CompressionCodecs.Decompress(codec, compressed, exact, input.Length);
            Assert.True(exact.WrittenSpan.SequenceEqual(input));
        }

        using var over = new PooledBufferWriter();
        var error = Assert.Throws<DecompressedSizeExceededException>(() => CompressionCodecs.Decompress(codec, compressed, over, input.Length - 1));
        Assert.Equal(input.Length - 1, error.MaxBytes);
    }

    [Fact]
    public void Raw_snappy_block_claiming_more_than_the_bound_is_refused_before_decoding()
    {
        // A raw block whose preamble says 2^31 bytes: refusing it must not allocate them.
        byte[] lying = [0x80, 0x80, 0x80, 0x80, 0x08, 0x00];
        using var output = new PooledBufferWriter();
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<DecompressedSizeExceededException>(() => CompressionCodecs.Decompress(CompressionType.Snappy, lying, output, 1 << 20));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void A_32_KiB_zstd_bomb_of_1_GiB_costs_the_bound_not_the_gibibyte()
    {
        var bomb = ZstdRleZeros(8192); // 8192 RLE blocks x 128 KiB = 1 GiB
        var batch = BatchAround(bomb, CompressionType.Zstd);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var error = RecordBatch.TryReadRecords(batch, out var records, 8 << 20);

        records.Dispose();
        Assert.Equal(RecordBatchError.DecompressedTooLarge, error);
        // The scratch buffer grows by doubling up to the 8 MiB bound (ArrayPool may hand out
        // arrays it already has, so this is an upper bound on what one attempt allocates).
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64L << 20, $"{GC.GetAllocatedBytesForCurrentThread() - before} bytes allocated");
    }

    internal static byte[] ZstdRleZeros(int blocks)
    {
        const int blockSize = 128 * 1024;
        var frame = new byte[6 + (4 * blocks)];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(frame, 0xFD2FB528);
        frame[5] = 7 << 3; // window 128 KiB
        for (var i = 0; i < blocks; i++)
        {
            var header = (i == blocks - 1 ? 1 : 0) | (1 << 1) | (blockSize << 3);
            frame[6 + (4 * i)] = (byte)header;
            frame[7 + (4 * i)] = (byte)(header >> 8);
            frame[8 + (4 * i)] = (byte)(header >> 16);
        }

        return frame;
    }

    internal static byte[] BatchAround(byte[] payload, CompressionType codec)
    {
        var batch = new byte[RecordBatchHeader.Size + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchHeader.BatchLengthOffset), batch.Length - RecordBatchHeader.LogOverhead);
        batch[RecordBatchHeader.MagicOffset] = RecordBatchHeader.CurrentMagic;
        System.Buffers.Binary.BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(RecordBatchHeader.AttributesOffset), (short)codec);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchHeader.RecordsCountOffset), 1);
        payload.CopyTo(batch.AsSpan(RecordBatchHeader.Size));
        RecordBatch.WriteCrc(batch);
        return batch;
    }
}
