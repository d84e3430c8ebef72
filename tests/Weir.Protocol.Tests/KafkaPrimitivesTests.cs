using Weir.Protocol.Primitives;

namespace Weir.Protocol.Tests;

public class KafkaPrimitivesTests
{
    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(127u)]
    [InlineData(128u)]
    [InlineData(16_383u)]
    [InlineData(16_384u)]
    [InlineData(uint.MaxValue)]
    public void Unsigned_varint_round_trips_with_predicted_size(uint value)
    {
        var buffer = new byte[8];
        var writer = new KafkaWriter(buffer);
        writer.WriteUnsignedVarInt(value);
        Assert.Equal(KafkaWriter.SizeOfUnsignedVarInt(value), writer.Position);
        var reader = new KafkaReader(buffer.AsSpan(0, writer.Position));
        Assert.Equal(value, reader.ReadUnsignedVarInt());
        Assert.True(reader.End);
    }

    [Theory]
    [InlineData(0, new byte[] { 0x00 })]
    [InlineData(-1, new byte[] { 0x01 })]
    [InlineData(1, new byte[] { 0x02 })]
    [InlineData(-64, new byte[] { 0x7F })]
    [InlineData(64, new byte[] { 0x80, 0x01 })]
    public void Zigzag_varint_matches_kafka_encoding(int value, byte[] expected)
    {
        var buffer = new byte[8];
        var writer = new KafkaWriter(buffer);
        writer.WriteVarInt(value);
        Assert.Equal(expected, writer.Written.ToArray());
        var reader = new KafkaReader(expected);
        Assert.Equal(value, reader.ReadVarInt());
    }

    [Fact]
    public void Truncated_input_throws_protocol_exception()
    {
        var ex = Assert.Throws<ProtocolException>(() => new KafkaReader(new byte[] { 0, 5, (byte)'a' }).ReadString());
        Assert.Contains("truncated", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Array_count_larger_than_remaining_bytes_is_rejected_before_allocating()
    {
        Assert.Throws<ProtocolException>(() => new KafkaReader(new byte[] { 0x7F, 0xFF, 0xFF, 0xFF }).ReadArrayLength());
    }

    [Fact]
    public void Unterminated_varint_is_malformed()
    {
        Assert.Throws<ProtocolException>(() => new KafkaReader(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }).ReadUnsignedVarInt());
    }
}
