using System.Buffers;
using System.Buffers.Binary;
using Weir.Protocol.Primitives;
using Weir.Protocol.Records;

namespace Weir.Protocol.Tests.Records;

public class RecordBatchTests
{
    public static TheoryData<CompressionType> Codecs =>
        [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

    private static byte[] BuildSample(CompressionType compression) =>
        TestRecord.Build(compression, TestRecord.Sample(1000), b =>
        {
            b.BaseOffset = 1000;
            b.PartitionLeaderEpoch = 3;
            b.ProducerId = 4242;
            b.ProducerEpoch = 7;
            b.BaseSequence = 100;
            b.IsTransactional = true;
        });

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Round_trip_gives_back_every_field(CompressionType compression)
    {
        var batch = BuildSample(compression);

        Assert.Equal(RecordBatchError.None, RecordBatch.Validate(batch));
        Assert.Equal(RecordBatchError.None, RecordBatch.ValidateRecords(batch));
        var header = new RecordBatchHeader(batch);
        Assert.Equal(1000, header.BaseOffset);
        Assert.Equal(batch.Length, header.TotalSize);
        Assert.Equal(3, header.PartitionLeaderEpoch);
        Assert.Equal(2, header.Magic);
        Assert.Equal(compression, header.Compression);
        Assert.True(header.IsTransactional);
        Assert.False(header.IsControl);
        Assert.False(header.IsLogAppendTime);
        Assert.Equal(4, header.LastOffsetDelta);
        Assert.Equal(TestRecord.T0, header.BaseTimestamp);
        Assert.Equal(TestRecord.T0 + 20, header.MaxTimestamp);
        Assert.Equal(4242, header.ProducerId);
        Assert.Equal((short)7, header.ProducerEpoch);
        Assert.Equal(100, header.BaseSequence);
        Assert.Equal(5, header.RecordsCount);
        if (compression != CompressionType.None)
        {
            Assert.True(batch.Length < 20_000, $"compressed batch is {batch.Length} bytes"); // 144 KB of records
        }

        TestRecord.AssertSame(TestRecord.Sample(1000), TestRecord.ReadAll(batch));
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Any_flipped_byte_after_the_crc_field_is_detected(CompressionType compression)
    {
        var batch = BuildSample(compression);
        foreach (var index in new[] { RecordBatchHeader.AttributesOffset + 1, RecordBatchHeader.MaxTimestampOffset, RecordBatchHeader.Size + 3, batch.Length - 1 })
        {
            var copy = (byte[])batch.Clone();
            copy[index] ^= 0x01;
            Assert.Equal(RecordBatchError.CrcMismatch, RecordBatch.Validate(copy));
            Assert.Equal(RecordBatchError.CrcMismatch, RecordBatch.ValidateRecords(copy));
        }

        // baseOffset and partitionLeaderEpoch are outside the CRC: the broker rewrites them in place.
        RecordBatchHeader.SetBaseOffset(batch, 55);
        RecordBatchHeader.SetPartitionLeaderEpoch(batch, 9);
        Assert.Equal(RecordBatchError.None, RecordBatch.Validate(batch));
        Assert.Equal(55, TestRecord.ReadAll(batch)[0].Offset);
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Truncated_batch_is_detected(CompressionType compression)
    {
        var batch = BuildSample(compression);
        Assert.Equal(RecordBatchError.InvalidBatchLength, RecordBatch.Validate(batch.AsSpan(0, batch.Length - 1)));
        Assert.Equal(RecordBatchError.InvalidBatchLength, RecordBatch.Validate(batch.AsSpan(0, 61)));
        Assert.Equal(RecordBatchError.TooShort, RecordBatch.Validate(batch.AsSpan(0, 60)));
        Assert.Equal(RecordBatchError.TooShort, RecordBatch.Validate(batch.AsSpan(0, 10)));
    }

    [Fact]
    public void Header_problems_are_reported_as_values()
    {
        var batch = BuildSample(CompressionType.None);

        var legacy = (byte[])batch.Clone();
        legacy[RecordBatchHeader.MagicOffset] = 1;
        Assert.Equal(RecordBatchError.UnsupportedMagic, RecordBatch.Validate(legacy));

        var tooSmallLength = (byte[])batch.Clone();
        BinaryPrimitives.WriteInt32BigEndian(tooSmallLength.AsSpan(RecordBatchHeader.BatchLengthOffset), 10);
        Assert.Equal(RecordBatchError.InvalidBatchLength, RecordBatch.Validate(tooSmallLength));

        var negativeCount = (byte[])batch.Clone();
        BinaryPrimitives.WriteInt32BigEndian(negativeCount.AsSpan(RecordBatchHeader.RecordsCountOffset), -1);
        RecordBatch.WriteCrc(negativeCount);
        Assert.Equal(RecordBatchError.InvalidRecordsCount, RecordBatch.Validate(negativeCount));

        var badCodec = (byte[])batch.Clone();
        BinaryPrimitives.WriteInt16BigEndian(badCodec.AsSpan(RecordBatchHeader.AttributesOffset), 5);
        RecordBatch.WriteCrc(badCodec);
        Assert.Equal(RecordBatchError.UnknownCompressionType, RecordBatch.Validate(badCodec));
    }

    [Fact]
    public void Records_count_that_disagrees_with_the_records_is_malformed()
    {
        var batch = BuildSample(CompressionType.None);
        foreach (var count in new[] { 4, 6 })
        {
            var copy = (byte[])batch.Clone();
            BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(RecordBatchHeader.RecordsCountOffset), count);
            RecordBatch.WriteCrc(copy);
            Assert.Equal(RecordBatchError.None, RecordBatch.Validate(copy));
            Assert.Equal(RecordBatchError.RecordsCountMismatch, RecordBatch.ValidateRecords(copy));
            Assert.Throws<ProtocolException>(() => TestRecord.ReadAll(copy));
        }
    }

    [Fact]
    public void Malformed_records_are_reported_by_TryMoveNext_and_thrown_by_MoveNext()
    {
        // One record: length 6, attributes 0, tsDelta 0, offsetDelta 0, key -1, value -1, headers 0.
        byte[] good = [0x0C, 0, 0, 0, 1, 1, 0];
        Assert.Equal(RecordBatchError.None, ValidateRecordBytes(good, 1));
        Assert.Equal(RecordBatchError.RecordTruncated, ValidateRecordBytes([0x0E, 0, 0, 0, 1, 1, 0], 1)); // length 7 > 6 left
        Assert.Equal(RecordBatchError.RecordSizeMismatch, ValidateRecordBytes([0x0E, 0, 0, 0, 1, 1, 0, 0], 1)); // a byte too many
        Assert.Equal(RecordBatchError.MalformedRecord, ValidateRecordBytes([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], 1)); // 6-byte varint
        Assert.Equal(RecordBatchError.MalformedRecord, ValidateRecordBytes([0x0C, 0, 0, 0, 3, 1, 0], 1)); // key length -2
        Assert.Equal(RecordBatchError.RecordTruncated, ValidateRecordBytes([0x0C, 0, 0, 0, 20, 1, 0], 1)); // key length 10
        Assert.Equal(RecordBatchError.MalformedRecord, ValidateRecordBytes([0x0C, 0, 0, 0, 1, 1, 1], 1)); // header count -1
        Assert.Equal(RecordBatchError.MalformedRecord, ValidateRecordBytes([0x10, 0, 0, 0, 1, 1, 2, 1, 0], 1)); // null header key
        Assert.Equal(RecordBatchError.RecordsCountMismatch, ValidateRecordBytes(good, 2));

        var thrown = Assert.Throws<ProtocolException>(() =>
        {
            var records = new RecordEnumerator([0x0E, 0, 0, 0, 1, 1, 0], 1, 0, 0, 0, false);
            while (records.MoveNext())
            {
            }
        });
        Assert.Contains("RecordTruncated", thrown.Message);
    }

    private static RecordBatchError ValidateRecordBytes(byte[] records, int count)
    {
        var enumerator = new RecordEnumerator(records, count, 0, 0, 0, false);
        RecordBatchError error;
        while (enumerator.TryMoveNext(out error))
        {
        }

        return error;
    }

    [Theory]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public void Corrupt_compressed_payload_with_a_valid_crc_fails_decompression(CompressionType compression)
    {
        var batch = BuildSample(compression);
        var corrupt = batch.AsSpan(0, RecordBatchHeader.Size + 40).ToArray(); // cut the compressed stream short
        BinaryPrimitives.WriteInt32BigEndian(corrupt.AsSpan(RecordBatchHeader.BatchLengthOffset), corrupt.Length - 12);
        RecordBatch.WriteCrc(corrupt);
        Assert.Equal(RecordBatchError.None, RecordBatch.Validate(corrupt));
        Assert.Equal(RecordBatchError.DecompressionFailed, RecordBatch.ValidateRecords(corrupt));
        Assert.Throws<ProtocolException>(() => TestRecord.ReadAll(corrupt));
    }

    [Fact]
    public void Log_append_time_gives_every_record_the_max_timestamp()
    {
        var built = TestRecord.Build(CompressionType.Lz4, TestRecord.Sample(), b =>
        {
            b.TimestampType = TimestampType.LogAppendTime;
            b.LogAppendTime = 1_800_000_000_000;
        });
        Assert.True(new RecordBatchHeader(built).IsLogAppendTime);
        Assert.Equal(1_800_000_000_000, new RecordBatchHeader(built).MaxTimestamp);
        Assert.All(TestRecord.ReadAll(built), r => Assert.Equal(1_800_000_000_000, r.Timestamp));

        var createTime = BuildSample(CompressionType.None);
        RecordBatch.SetLogAppendTime(createTime, 1_900_000_000_000);
        Assert.Equal(RecordBatchError.None, RecordBatch.Validate(createTime));
        Assert.All(TestRecord.ReadAll(createTime), r => Assert.Equal(1_900_000_000_000, r.Timestamp));
    }

    [Fact]
    public void Offset_gaps_are_kept()
    {
        using var builder = new RecordBatchBuilder { BaseOffset = 10 };
        builder.AppendWithOffsetDelta(0, 5, "a"u8, false, "1"u8, false, default);
        builder.AppendWithOffsetDelta(7, 6, "b"u8, false, "2"u8, false, default);
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.AppendWithOffsetDelta(7, 6, "c"u8, false, "3"u8, false, default));
        var output = new ArrayBufferWriter<byte>();
        builder.Build(output);
        var header = new RecordBatchHeader(output.WrittenSpan);
        Assert.Equal(7, header.LastOffsetDelta);
        Assert.Equal(2, header.RecordsCount);
        Assert.Equal([10L, 17L], TestRecord.ReadAll(output.WrittenSpan).Select(r => r.Offset));
    }

    [Fact]
    public void Transaction_markers_round_trip()
    {
        using var builder = new RecordBatchBuilder
        {
            BaseOffset = 77,
            ProducerId = 9,
            ProducerEpoch = 2,
            IsTransactional = true,
            IsControl = true,
        };
        builder.AppendEndTransactionMarker(123, new EndTransactionMarker(ControlRecordType.Commit, 5));
        var output = new ArrayBufferWriter<byte>();
        builder.Build(output);
        var batch = output.WrittenSpan;

        Assert.Equal(RecordBatchError.None, RecordBatch.ValidateRecords(batch));
        var header = new RecordBatchHeader(batch);
        Assert.True(header.IsControl);
        Assert.True(header.IsTransactional);
        using var records = RecordBatch.ReadRecords(batch);
        var count = 0;
        foreach (var record in records)
        {
            count++;
            Assert.Equal(77, record.Offset);
            Assert.Equal([0, 0, 0, 1], record.Key.ToArray());
            Assert.Equal([0, 0, 0, 0, 0, 5], record.Value.ToArray());
            Assert.True(ControlRecord.TryReadType(record.Key, out var type));
            Assert.Equal(ControlRecordType.Commit, type);
            Assert.True(EndTransactionMarker.TryRead(record.Key, record.Value, out var marker));
            Assert.Equal(new EndTransactionMarker(ControlRecordType.Commit, 5), marker);
        }

        Assert.Equal(1, count);
        Assert.False(EndTransactionMarker.TryRead([0, 0, 0, 2], [0, 0, 0, 0, 0, 5], out _)); // LEADER_CHANGE
        Assert.False(EndTransactionMarker.TryRead([0, 0, 0, 0], [0, 0, 0], out _)); // short value
        Assert.False(ControlRecord.TryReadType([0, 0, 0], out _));

        using var plain = new RecordBatchBuilder();
        Assert.Throws<InvalidOperationException>(() => plain.AppendEndTransactionMarker(1, new EndTransactionMarker(ControlRecordType.Abort, 0)));
    }

    [Fact]
    public void Building_and_reading_uncompressed_records_does_not_allocate_per_record()
    {
        using var builder = new RecordBatchBuilder();
        var key = new byte[16];
        var value = new byte[100];
        var headers = new[] { new RecordHeaderData("trace", new byte[8]) };
        var output = new ArrayBufferWriter<byte>(1 << 20);

        void BuildOnce()
        {
            builder.Reset();
            for (var i = 0; i < 1000; i++)
            {
                builder.Append(i, key, value, headers);
            }

            output.ResetWrittenCount();
            builder.Build(output);
        }

        BuildOnce(); // warm up: the pooled buffer grows to size here
        var before = GC.GetAllocatedBytesForCurrentThread();
        BuildOnce();
        var built = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, built);

        before = GC.GetAllocatedBytesForCurrentThread();
        long sum = 0;
        using (var records = RecordBatch.ReadRecords(output.WrittenSpan))
        {
            foreach (var record in records)
            {
                sum += record.Value.Length;
                foreach (var header in record.Headers)
                {
                    sum += header.Value.Length;
                }
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1000 * 108, sum);
    }
}
