namespace Weir.Client.Producer;

/// <summary>The key hashes real clients partition by: Kafka's murmur2 (Java client) and CRC-32 (librdkafka's consistent).</summary>
public static class PartitionHash
{
    private static readonly uint[] Crc32Table = BuildCrc32Table();

    /// <summary>Kafka's <c>Utils.murmur2</c> (seed 0x9747b28c), bit for bit.</summary>
    public static int Murmur2(ReadOnlySpan<byte> data)
    {
        const uint m = 0x5bd1e995;
        const int r = 24;
        var length = data.Length;
        var h = 0x9747b28cu ^ (uint)length;
        var length4 = length / 4;
        for (var i = 0; i < length4; i++)
        {
            var i4 = i * 4;
            var k = data[i4] | ((uint)data[i4 + 1] << 8) | ((uint)data[i4 + 2] << 16) | ((uint)data[i4 + 3] << 24);
            k *= m;
            k ^= k >> r;
            k *= m;
            h *= m;
            h ^= k;
        }

        var tail = length & ~3;
        switch (length % 4)
        {
            case 3:
                h ^= (uint)data[tail + 2] << 16;
                h ^= (uint)data[tail + 1] << 8;
                h ^= data[tail];
                h *= m;
                break;
            case 2:
                h ^= (uint)data[tail + 1] << 8;
                h ^= data[tail];
                h *= m;
                break;
            case 1:
                h ^= data[tail];
                h *= m;
                break;
        }

        h ^= h >> 13;
        h *= m;
        h ^= h >> 15;
        return (int)h;
    }

    /// <summary>The partition the Java client's default partitioner picks for a key: toPositive(murmur2) % n.</summary>
    public static int Murmur2Partition(ReadOnlySpan<byte> key, int partitionCount) =>
        (Murmur2(key) & 0x7fffffff) % partitionCount;

    /// <summary>CRC-32 (IEEE, as zlib), which librdkafka's consistent partitioners use.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xffffffffu;
        foreach (var b in data)
        {
            crc = Crc32Table[(crc ^ b) & 0xff] ^ (crc >> 8);
        }

        return ~crc;
    }

    /// <summary>The partition librdkafka's consistent(_random) partitioner picks for a key.</summary>
    public static int Crc32Partition(ReadOnlySpan<byte> key, int partitionCount) => (int)(Crc32(key) % (uint)partitionCount);

    private static uint[] BuildCrc32Table()
    {
        var table = new uint[256];
        for (var i = 0u; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
