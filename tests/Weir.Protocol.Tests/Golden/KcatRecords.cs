using System.Text;
using Weir.Protocol.Records;
using KafkaRecord = Weir.Protocol.Records.Record;

namespace Weir.Protocol.Tests.Golden;

/// <summary>
/// What capture.sh made kcat produce: three keyed records with two headers, one batch per codec.
/// Checked through the record batch API so a codec or framing bug shows as a wrong value here.
/// </summary>
internal static class KcatRecords
{
    private static readonly string[] Keys = ["alpha", "beta", "gamma"];

    public static string Value(int index) => $"the quick brown fox jumps over the lazy dog 000{index + 1}";

    /// <summary>
    /// Asserts that <paramref name="records"/> is exactly one valid v2 batch holding the three kcat
    /// records, compressed with <paramref name="codec"/>, with the header values tshark decoded.
    /// </summary>
    public static void AssertSingleBatch(
        ReadOnlySpan<byte> records,
        CompressionType codec,
        string codecName,
        int batchLength,
        uint crc,
        long timestamp)
    {
        var batches = new RecordBatchEnumerator(records);
        Assert.True(batches.MoveNext());
        ReadOnlySpan<byte> batch = batches.Current;
        Assert.Equal(records.Length, batch.Length);
        Assert.False(batches.MoveNext());
        Assert.False(batches.HasPartialBatch);
        Assert.False(batches.HasInvalidLength);

        Assert.Equal(RecordBatchError.None, RecordBatch.Validate(batch));
        Assert.Equal(RecordBatchError.None, RecordBatch.ValidateRecords(batch));

        var header = new RecordBatchHeader(batch);
        Assert.Equal(0L, header.BaseOffset);
        Assert.Equal(batchLength, header.BatchLength);
        Assert.Equal(0, header.PartitionLeaderEpoch);
        Assert.Equal(RecordBatchHeader.CurrentMagic, header.Magic);
        Assert.Equal(crc, header.Crc);
        Assert.Equal(crc, RecordBatch.ComputeCrc(batch));
        Assert.Equal(codec, header.Compression);
        Assert.Equal((short)codec, header.Attributes);
        Assert.False(header.IsLogAppendTime);
        Assert.False(header.IsTransactional);
        Assert.False(header.IsControl);
        Assert.Equal(2, header.LastOffsetDelta);
        Assert.Equal(timestamp, header.BaseTimestamp);
        Assert.Equal(timestamp, header.MaxTimestamp);
        Assert.Equal(-1L, header.ProducerId);
        Assert.Equal((short)-1, header.ProducerEpoch);
        Assert.Equal(-1, header.BaseSequence);
        Assert.Equal(3, header.RecordsCount);

        using RecordBatchRecords decoded = RecordBatch.ReadRecords(batch);
        Assert.Equal(3, decoded.Count);
        int index = 0;
        foreach (KafkaRecord record in decoded)
        {
            Assert.Equal(index, record.OffsetDelta);
            Assert.Equal(index, record.Offset);
            Assert.Equal(0L, record.TimestampDelta);
            Assert.Equal(timestamp, record.Timestamp);
            Assert.Equal(0, record.Attributes);
            Assert.False(record.IsKeyNull);
            Assert.False(record.IsValueNull);
            Assert.Equal(Keys[index], Encoding.UTF8.GetString(record.Key));
            Assert.Equal(Value(index), Encoding.UTF8.GetString(record.Value));
            Assert.Equal(2, record.HeaderCount);

            var headers = new List<(string Key, string? Value)>();
            foreach (RecordHeader h in record.Headers)
            {
                headers.Add((Encoding.UTF8.GetString(h.Key), h.IsValueNull ? null : Encoding.UTF8.GetString(h.Value)));
            }

            Assert.Equal([("source", "weir-golden"), ("codec", codecName)], headers);
            index++;
        }

        Assert.Equal(3, index);
    }
}
