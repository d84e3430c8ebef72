using System.Buffers.Binary;
using Weir.Protocol.Records;

namespace Weir.Protocol.Tests.Records;

public class RecordBatchEnumeratorTests
{
    private static byte[] Batch(long baseOffset, CompressionType compression) =>
        TestRecord.Build(compression, [new TestRecord(0, 1, "k"u8.ToArray(), "v"u8.ToArray(), [])], b => b.BaseOffset = baseOffset);

    [Fact]
    public void Yields_each_batch_and_reports_a_partial_trailing_batch()
    {
        var a = Batch(0, CompressionType.None);
        var b = Batch(1, CompressionType.Gzip);
        var c = Batch(2, CompressionType.Zstd);
        byte[] buffer = [.. a, .. b, .. c, .. c.AsSpan(0, c.Length - 3)];

        var batches = new RecordBatchEnumerator(buffer);
        var offsets = new List<long>();
        while (batches.MoveNext())
        {
            Assert.Equal(RecordBatchError.None, RecordBatch.ValidateRecords(batches.Current));
            offsets.Add(new RecordBatchHeader(batches.Current).BaseOffset);
        }

        Assert.Equal([0L, 1L, 2L], offsets);
        Assert.True(batches.HasPartialBatch);
        Assert.False(batches.HasInvalidLength);
        Assert.Equal(a.Length + b.Length + c.Length, batches.Position);
        Assert.Equal(c.Length - 3, batches.RemainingBytes);
    }

    [Fact]
    public void A_trailing_fragment_shorter_than_the_length_prefix_is_partial()
    {
        var a = Batch(0, CompressionType.None);
        var batches = new RecordBatchEnumerator([.. a, 0, 0, 0, 0, 0]);
        Assert.True(batches.MoveNext());
        Assert.False(batches.MoveNext());
        Assert.True(batches.HasPartialBatch);
        Assert.Equal(a.Length, batches.Position);
    }

    [Fact]
    public void Exact_buffer_ends_cleanly_and_empty_buffer_yields_nothing()
    {
        var a = Batch(0, CompressionType.None);
        var batches = new RecordBatchEnumerator([.. a, .. a]);
        Assert.True(batches.MoveNext());
        Assert.True(batches.MoveNext());
        Assert.False(batches.MoveNext());
        Assert.False(batches.HasPartialBatch);
        Assert.Equal(0, batches.RemainingBytes);

        var empty = new RecordBatchEnumerator([]);
        Assert.False(empty.MoveNext());
        Assert.False(empty.HasPartialBatch);
    }

    [Fact]
    public void A_batch_length_below_the_header_size_stops_with_invalid_length()
    {
        var a = Batch(0, CompressionType.None);
        var bad = (byte[])a.Clone();
        BinaryPrimitives.WriteInt32BigEndian(bad.AsSpan(RecordBatchHeader.BatchLengthOffset), -5);
        var batches = new RecordBatchEnumerator([.. a, .. bad]);
        Assert.True(batches.MoveNext());
        Assert.False(batches.MoveNext());
        Assert.True(batches.HasInvalidLength);
        Assert.False(batches.HasPartialBatch);
    }
}
