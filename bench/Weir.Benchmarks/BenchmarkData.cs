using Weir.Protocol.Compression;
using Weir.Protocol.Records;

namespace Weir.Benchmarks;

/// <summary>
/// The records every benchmark uses: 10-byte keys and 100-byte values of ASCII words drawn from
/// a fixed seed, so they compress about as well as typical JSON-ish payloads (neither random
/// bytes, which no codec shrinks, nor repeated bytes, which every codec shrinks to nothing).
/// </summary>
public static class BenchmarkData
{
    public const int RecordCount = 1000;
    public const int KeySize = 10;
    public const int ValueSize = 100;
    public const long BaseTimestamp = 1_700_000_000_000;

    private static readonly string[] Words =
    [
        "order", "customer", "amount", "currency", "EUR", "USD", "status", "shipped", "pending",
        "created", "id", "sku", "quantity", "price", "warehouse", "region", "north", "south",
    ];

    /// <summary>Distinct keys and values for <paramref name="count"/> records, the same on every run.</summary>
    public static (byte[][] Keys, byte[][] Values) CreateRecords(int count, int seed = 42)
    {
        var random = new Random(seed);
        var keys = new byte[count][];
        var values = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            keys[i] = System.Text.Encoding.ASCII.GetBytes($"key-{i:D6}");
            values[i] = CreateValue(random);
        }

        return (keys, values);
    }

    /// <summary>One batch of <paramref name="count"/> records built with <paramref name="compression"/>.</summary>
    public static byte[] CreateBatch(CompressionType compression, int count = RecordCount)
    {
        var (keys, values) = CreateRecords(count);
        using var builder = new RecordBatchBuilder { Compression = compression };
        AppendAll(builder, keys, values);
        using var output = new PooledBufferWriter();
        builder.Build(output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Appends the records one millisecond apart, as a producer batching them would.</summary>
    public static void AppendAll(RecordBatchBuilder builder, byte[][] keys, byte[][] values)
    {
        for (var i = 0; i < keys.Length; i++)
        {
            builder.Append(BaseTimestamp + i, keys[i], values[i]);
        }
    }

    private static byte[] CreateValue(Random random)
    {
        var value = new byte[ValueSize];
        var p = 0;
        while (p < ValueSize)
        {
            var word = random.Next(3) == 0 ? random.Next(100_000).ToString(System.Globalization.CultureInfo.InvariantCulture) : Words[random.Next(Words.Length)];
            for (var i = 0; i < word.Length && p < ValueSize; i++)
            {
                value[p++] = (byte)word[i];
            }

            if (p < ValueSize)
            {
                value[p++] = (byte)(random.Next(4) == 0 ? ',' : ' ');
            }
        }

        return value;
    }
}
