using Weir.Protocol.Primitives;

namespace Weir.Protocol.Tests.RoundTrip;

/// <summary>Random field values for the generated factory: edge values, multi-byte UTF-8, short lists.</summary>
public static class RandomValues
{
    private static readonly string[] Pieces = ["a", "topic", "é", "日本", "🙂", "-", "_", "0", " ", "Zz"];

    public static bool Bool(Random r) => r.Next(2) == 0;

    public static sbyte Int8(Random r) => r.Next(4) == 0 ? sbyte.MinValue : (sbyte)r.Next(sbyte.MinValue, sbyte.MaxValue + 1);

    public static short Int16(Random r) => r.Next(4) == 0 ? (short)-1 : (short)r.Next(short.MinValue, short.MaxValue + 1);

    public static ushort UInt16(Random r) => (ushort)r.Next(0, ushort.MaxValue + 1);

    public static int Int32(Random r) => r.Next(4) == 0 ? int.MinValue : r.Next(int.MinValue, int.MaxValue);

    public static uint UInt32(Random r) => (uint)r.NextInt64(0, uint.MaxValue + 1L);

    public static long Int64(Random r) => r.Next(4) == 0 ? long.MaxValue : r.NextInt64(long.MinValue, long.MaxValue);

    public static double Float64(Random r) => (r.NextDouble() - 0.5) * 1e9;

    public static Guid Uuid(Random r)
    {
        Span<byte> bytes = stackalloc byte[16];
        r.NextBytes(bytes);
        return new Guid(bytes, bigEndian: true);
    }

    public static string String(Random r)
    {
        var count = r.Next(0, 5);
        var s = "";
        for (var i = 0; i < count; i++)
        {
            s += Pieces[r.Next(Pieces.Length)];
        }

        return s;
    }

    public static byte[] Bytes(Random r)
    {
        var bytes = new byte[r.Next(0, 9)];
        r.NextBytes(bytes);
        return bytes;
    }

    public static ReadOnlyMemory<byte> Records(Random r)
    {
        var bytes = new byte[r.Next(0, 33)];
        r.NextBytes(bytes);
        return bytes;
    }

    public static List<T> List<T>(Random r, Func<T> element)
    {
        var count = r.Next(0, 4);
        var list = new List<T>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(element());
        }

        return list;
    }

    /// <summary>Null two times in three; otherwise one to three unknown fields with ascending tags from <paramref name="firstFreeTag"/>.</summary>
    public static List<RawTaggedField>? UnknownTaggedFields(Random r, int firstFreeTag)
    {
        if (r.Next(3) != 0)
        {
            return null;
        }

        var count = r.Next(1, 4);
        var list = new List<RawTaggedField>(count);
        var tag = firstFreeTag + r.Next(0, 3);
        for (var i = 0; i < count; i++)
        {
            // Occasionally a tag that needs a multi-byte varint.
            tag += r.Next(8) == 0 ? 200 : r.Next(1, 4);
            list.Add(new RawTaggedField(tag, Bytes(r)));
        }

        return list;
    }
}
