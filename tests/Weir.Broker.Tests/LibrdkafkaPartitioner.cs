namespace Weir.Broker.Tests;

/// <summary>librdkafka's default partitioner (consistent_random): CRC-32 (IEEE) of the key modulo the partition count.</summary>
public static class LibrdkafkaPartitioner
{
    private static readonly uint[] Table = BuildTable();

    public static int Partition(ReadOnlySpan<byte> key, int partitions) => (int)(Crc32(key) % (uint)partitions);

    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
