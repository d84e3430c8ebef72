using System.Buffers.Binary;
using System.Text;
using Weir.Protocol.Records;

namespace Weir.Storage.Tests;

/// <summary>Builds uncompressed v2 record batches with a correct CRC-32C (the real builder lives in Weir.Protocol later).</summary>
internal static class TestBatches
{
    /// <summary>One batch of <paramref name="count"/> records with timestamps baseTimestamp + i*step and values "v{i}" padded to <paramref name="valueSize"/>.</summary>
    public static byte[] Batch(int count, long baseTimestamp = 1_000, long timestampStep = 1, int valueSize = 10, long[]? timestamps = null)
    {
        var records = new List<byte[]>();
        long maxTs = -1;
        for (var i = 0; i < count; i++)
        {
            var ts = timestamps?[i] ?? baseTimestamp + (i * timestampStep);
            maxTs = Math.Max(maxTs, ts);
            var value = Encoding.ASCII.GetBytes($"v{i}".PadRight(valueSize, 'x'));
            var body = new List<byte> { 0 }; // attributes
            WriteVarLong(body, ts - (timestamps?[0] ?? baseTimestamp));
            WriteVarLong(body, i);
            WriteVarLong(body, -1); // null key
            WriteVarLong(body, value.Length);
            body.AddRange(value);
            WriteVarLong(body, 0); // no headers
            var record = new List<byte>();
            WriteVarLong(record, body.Count);
            record.AddRange(body);
            records.Add([.. record]);
        }

        var recordsSize = records.Sum(r => r.Length);
        var batch = new byte[RecordBatchHeader.Size + recordsSize];
        var s = batch.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(s, 0);
        BinaryPrimitives.WriteInt32BigEndian(s[8..], batch.Length - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(s[12..], -1);
        s[16] = 2;
        BinaryPrimitives.WriteInt16BigEndian(s[21..], 0);
        BinaryPrimitives.WriteInt32BigEndian(s[23..], count - 1);
        BinaryPrimitives.WriteInt64BigEndian(s[27..], timestamps?[0] ?? baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(s[35..], maxTs);
        BinaryPrimitives.WriteInt64BigEndian(s[43..], -1);
        BinaryPrimitives.WriteInt16BigEndian(s[51..], -1);
        BinaryPrimitives.WriteInt32BigEndian(s[53..], -1);
        BinaryPrimitives.WriteInt32BigEndian(s[57..], count);
        var pos = RecordBatchHeader.Size;
        foreach (var r in records)
        {
            r.CopyTo(batch, pos);
            pos += r.Length;
        }

        BinaryPrimitives.WriteUInt32BigEndian(s[17..], TestCrc32C.Compute(s[21..]));
        return batch;
    }

    /// <summary>Splits a buffer of back-to-back batches into (baseOffset, lastOffset, bytes), asserting every one is whole and valid.</summary>
    public static List<(long BaseOffset, long LastOffset, byte[] Bytes)> Split(ReadOnlySpan<byte> data)
    {
        var result = new List<(long, long, byte[])>();
        var pos = 0;
        while (pos < data.Length)
        {
            Assert.True(data.Length - pos >= RecordBatchHeader.Size, "partial batch header in read result");
            var h = new RecordBatchHeader(data[pos..]);
            Assert.True(pos + h.TotalSize <= data.Length, "partial batch in read result");
            var bytes = data.Slice(pos, h.TotalSize).ToArray();
            Assert.True(TestBatchValidator.Instance.IsValid(bytes), "batch CRC mismatch in read result");
            result.Add((h.BaseOffset, h.LastOffset, bytes));
            pos += h.TotalSize;
        }

        return result;
    }

    private static void WriteVarLong(List<byte> output, long value)
    {
        var v = (ulong)((value << 1) ^ (value >> 63));
        while (v >= 0x80)
        {
            output.Add((byte)(v | 0x80));
            v >>= 7;
        }

        output.Add((byte)v);
    }
}
