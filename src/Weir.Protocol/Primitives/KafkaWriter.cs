using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Weir.Protocol.Primitives;

/// <summary>
/// Writes Kafka's wire primitives into a span that the caller sized beforehand (messages
/// compute their exact size first, as Kafka's own generated code does), so encoding never
/// grows or copies a buffer. Running past the end is a bug and throws.
/// </summary>
public ref struct KafkaWriter
{
    private readonly Span<byte> _span;
    private int _position;

    public KafkaWriter(Span<byte> span)
    {
        _span = span;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly Span<byte> Written => _span[.._position];

    /// <summary>The next <paramref name="count"/> bytes, for writers that fill them in place (deferred records).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<byte> Take(int count)
    {
        var slice = _span.Slice(_position, count);
        _position += count;
        return slice;
    }

    public void WriteRaw(scoped ReadOnlySpan<byte> bytes) => bytes.CopyTo(Take(bytes.Length));

    public void WriteInt8(sbyte value) => Take(1)[0] = (byte)value;

    public void WriteBool(bool value) => Take(1)[0] = value ? (byte)1 : (byte)0;

    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16BigEndian(Take(2), value);

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Take(2), value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Take(4), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Take(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Take(8), value);

    public void WriteFloat64(double value) => BinaryPrimitives.WriteDoubleBigEndian(Take(8), value);

    public void WriteUuid(Guid value)
    {
        if (!value.TryWriteBytes(Take(16), bigEndian: true, out _))
        {
            throw new InvalidOperationException("Uuid did not fit.");
        }
    }

    public void WriteUnsignedVarInt(uint value)
    {
        while (value >= 0x80)
        {
            Take(1)[0] = (byte)(value | 0x80);
            value >>= 7;
        }

        Take(1)[0] = (byte)value;
    }

    public void WriteUnsignedVarLong(ulong value)
    {
        while (value >= 0x80)
        {
            Take(1)[0] = (byte)(value | 0x80);
            value >>= 7;
        }

        Take(1)[0] = (byte)value;
    }

    /// <summary>Zig-zag signed varint (protobuf sint32).</summary>
    public void WriteVarInt(int value) => WriteUnsignedVarInt((uint)((value << 1) ^ (value >> 31)));

    /// <summary>Zig-zag signed varlong (protobuf sint64).</summary>
    public void WriteVarLong(long value) => WriteUnsignedVarLong((ulong)((value << 1) ^ (value >> 63)));

    public void WriteCompactLength(int lengthOrMinusOne) => WriteUnsignedVarInt((uint)(lengthOrMinusOne + 1));

    private void WriteUtf8(string value, int byteCount)
    {
        var written = Encoding.UTF8.GetBytes(value, Take(byteCount));
        if (written != byteCount)
        {
            throw new InvalidOperationException("String changed length while being written.");
        }
    }

    public void WriteNullableString(string? value)
    {
        if (value is null)
        {
            WriteInt16(-1);
            return;
        }

        var count = Encoding.UTF8.GetByteCount(value);
        if (count > short.MaxValue)
        {
            throw new InvalidOperationException($"String of {count} bytes is longer than a Kafka string can be ({short.MaxValue}).");
        }

        WriteInt16((short)count);
        WriteUtf8(value, count);
    }

    public void WriteString(string value) => WriteNullableString(value ?? throw new InvalidOperationException("Non-nullable string is null."));

    public void WriteCompactNullableString(string? value)
    {
        if (value is null)
        {
            WriteUnsignedVarInt(0);
            return;
        }

        var count = Encoding.UTF8.GetByteCount(value);
        WriteCompactLength(count);
        WriteUtf8(value, count);
    }

    public void WriteCompactString(string value) => WriteCompactNullableString(value ?? throw new InvalidOperationException("Non-nullable string is null."));

    public void WriteNullableBytes(scoped ReadOnlySpan<byte> value, bool isNull)
    {
        if (isNull)
        {
            WriteInt32(-1);
            return;
        }

        WriteInt32(value.Length);
        WriteRaw(value);
    }

    public void WriteCompactNullableBytes(scoped ReadOnlySpan<byte> value, bool isNull)
    {
        if (isNull)
        {
            WriteUnsignedVarInt(0);
            return;
        }

        WriteCompactLength(value.Length);
        WriteRaw(value);
    }

    public void WriteArrayLength(int countOrMinusOne) => WriteInt32(countOrMinusOne);

    public void WriteCompactArrayLength(int countOrMinusOne) => WriteCompactLength(countOrMinusOne);

    // ---- sizes, for computing a message's exact length before writing it ----

    public static int SizeOfUnsignedVarInt(uint value) => value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;

    public static int SizeOfUnsignedVarLong(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    public static int SizeOfVarInt(int value) => SizeOfUnsignedVarInt((uint)((value << 1) ^ (value >> 31)));

    public static int SizeOfVarLong(long value) => SizeOfUnsignedVarLong((ulong)((value << 1) ^ (value >> 63)));

    public static int SizeOfCompactLength(int lengthOrMinusOne) => SizeOfUnsignedVarInt((uint)(lengthOrMinusOne + 1));

    public static int SizeOfNullableString(string? value) => value is null ? 2 : 2 + Encoding.UTF8.GetByteCount(value);

    public static int SizeOfCompactNullableString(string? value)
    {
        if (value is null)
        {
            return 1;
        }

        var count = Encoding.UTF8.GetByteCount(value);
        return SizeOfCompactLength(count) + count;
    }
}
