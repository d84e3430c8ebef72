using System.Buffers;
using Weir.Protocol.Records;
using Record = Weir.Protocol.Records.Record;

namespace Weir.Protocol.Tests.Records;

/// <summary>A record as the tests put it in and expect it back (copied out of the batch).</summary>
internal sealed record TestRecord(long Offset, long Timestamp, byte[]? Key, byte[]? Value, (string Key, byte[]? Value)[] Headers)
{
    public static readonly long T0 = 1_700_000_000_000;

    /// <summary>Null key, null value, empty key/value, null and empty header values, a value larger than codec block sizes.</summary>
    public static TestRecord[] Sample(long baseOffset = 0) =>
    [
        new(baseOffset, T0, "key-0"u8.ToArray(), Repeat("value zero ", 40), [("h1", "v1"u8.ToArray()), ("h-null", null)]),
        new(baseOffset + 1, T0 + 5, null, Repeat("null key ", 30), []),
        new(baseOffset + 2, T0 - 10, "tombstone"u8.ToArray(), null, []),
        new(baseOffset + 3, T0 + 20, [], [], [("empty", []), ("utf8-\u00e9", [0x00, 0xFF])]),
        new(baseOffset + 4, T0 + 1, "big"u8.ToArray(), Repeat("abcdefghijklmnopqrstuvwxyz0123456789", 4000), []),
    ];

    public static byte[] Repeat(string text, int times) => System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(text, times)));

    public static TestRecord From(Record record)
    {
        var headers = new List<(string, byte[]?)>();
        foreach (var header in record.Headers)
        {
            headers.Add((System.Text.Encoding.UTF8.GetString(header.Key), header.IsValueNull ? null : header.Value.ToArray()));
        }

        return new TestRecord(
            record.Offset,
            record.Timestamp,
            record.IsKeyNull ? null : record.Key.ToArray(),
            record.IsValueNull ? null : record.Value.ToArray(),
            [.. headers]);
    }

    /// <summary>Every record of a batch, read with <see cref="RecordBatch.ReadRecords"/>.</summary>
    public static List<TestRecord> ReadAll(ReadOnlySpan<byte> batch)
    {
        var result = new List<TestRecord>();
        using var records = RecordBatch.ReadRecords(batch);
        foreach (var record in records)
        {
            result.Add(From(record));
        }

        return result;
    }

    public static byte[] Build(CompressionType compression, IEnumerable<TestRecord> records, Action<RecordBatchBuilder>? configure = null)
    {
        using var builder = new RecordBatchBuilder { Compression = compression };
        configure?.Invoke(builder);
        foreach (var r in records)
        {
            var headers = r.Headers.Select(h => new RecordHeaderData(h.Key, h.Value)).ToArray();
            builder.Append(r.Timestamp, r.Key, r.Value, headers);
        }

        var output = new ArrayBufferWriter<byte>();
        var size = builder.Build(output);
        Assert.Equal(size, output.WrittenCount);
        return output.WrittenSpan.ToArray();
    }

    public static void AssertSame(IReadOnlyList<TestRecord> expected, IReadOnlyList<TestRecord> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var e = expected[i];
            var a = actual[i];
            Assert.Equal(e.Offset, a.Offset);
            Assert.Equal(e.Timestamp, a.Timestamp);
            Assert.Equal(e.Key, a.Key);
            Assert.Equal(e.Value, a.Value);
            Assert.Equal(e.Headers.Length, a.Headers.Length);
            for (var h = 0; h < e.Headers.Length; h++)
            {
                Assert.Equal(e.Headers[h].Key, a.Headers[h].Key);
                Assert.Equal(e.Headers[h].Value, a.Headers[h].Value);
            }
        }
    }
}
