using Weir.Protocol.Records;

namespace Weir.Protocol.Tests.Records;

public class Crc32CTests
{
    [Fact]
    public void Known_vectors()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(0u, Crc32C.Compute([]));
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32])); // RFC 3720 B.4: 32 zero bytes
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray())); // 32 0xFF bytes
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray())); // incrementing
    }

    [Fact]
    public void Append_in_pieces_equals_whole()
    {
        var data = new byte[1000];
        new Random(7).NextBytes(data);
        var whole = Crc32C.Compute(data);
        foreach (var split in new[] { 0, 1, 7, 8, 9, 500, 999, 1000 })
        {
            Assert.Equal(whole, Crc32C.Append(Crc32C.Compute(data.AsSpan(0, split)), data.AsSpan(split)));
        }
    }

    [Fact]
    public void Table_path_matches_hardware_path_for_every_length_and_alignment()
    {
        var data = new byte[300];
        new Random(11).NextBytes(data);
        for (var start = 0; start < 9; start++)
        {
            for (var length = 0; length < data.Length - start; length += 13)
            {
                var span = data.AsSpan(start, length);
                Assert.Equal(Crc32C.Compute(span), ~Crc32C.UpdateTable(~0u, span));
            }
        }
    }
}
