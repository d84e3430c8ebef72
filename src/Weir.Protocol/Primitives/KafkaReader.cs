using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Weir.Protocol.Primitives;

/// <summary>
/// Reads Kafka's wire primitives (big-endian integers, varints, classic and compact strings,
/// bytes and arrays) from a buffer. Malformed or truncated input throws
/// <see cref="ProtocolException"/>. When created over a <see cref="ReadOnlyMemory{T}"/>,
/// <c>records</c> fields are returned as slices of it, without copying.
/// </summary>
public ref struct KafkaReader
{
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly ReadOnlySpan<byte> _span;
    private readonly bool _hasMemory;
    private int _position;

    public KafkaReader(ReadOnlyMemory<byte> memory)
    {
        _memory = memory;
        _span = memory.Span;
        _hasMemory = true;
        _position = 0;
    }

    public KafkaReader(ReadOnlySpan<byte> span)
    {
        _memory = default;
        _span = span;
        _hasMemory = false;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _span.Length - _position;

    public readonly bool End => _position >= _span.Length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> Take(int count)
    {
        if ((uint)count > (uint)(_span.Length - _position))
        {
            ProtocolException.ThrowTruncated(count, _span.Length - _position);
        }

        var slice = _span.Slice(_position, count);
        _position += count;
        return slice;
    }

    public ReadOnlySpan<byte> ReadRaw(int count) => Take(count);

    public void Skip(int count) => Take(count);

    public sbyte ReadInt8() => (sbyte)Take(1)[0];

    public bool ReadBool() => Take(1)[0] != 0;

    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public double ReadFloat64() => BinaryPrimitives.ReadDoubleBigEndian(Take(8));

    /// <summary>Kafka's Uuid: 16 bytes, most significant long first.</summary>
    public Guid ReadUuid() => new(Take(16), bigEndian: true);

    public uint ReadUnsignedVarInt()
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = Take(1)[0];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        ProtocolException.ThrowMalformedVarInt();
        return 0;
    }

    public ulong ReadUnsignedVarLong()
    {
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = Take(1)[0];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        ProtocolException.ThrowMalformedVarInt();
        return 0;
    }

    /// <summary>Zig-zag signed varint (protobuf sint32).</summary>
    public int ReadVarInt()
    {
        var raw = ReadUnsignedVarInt();
        return (int)(raw >> 1) ^ -(int)(raw & 1);
    }

    /// <summary>Zig-zag signed varlong (protobuf sint64).</summary>
    public long ReadVarLong()
    {
        var raw = ReadUnsignedVarLong();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    /// <summary>Length of a compact (flexible) string, bytes or array: N+1 as unsigned varint, 0 = null → -1.</summary>
    public int ReadCompactLength(string what)
    {
        var raw = ReadUnsignedVarInt();
        if (raw > int.MaxValue)
        {
            ProtocolException.ThrowInvalidLength(what, raw);
        }

        return (int)raw - 1;
    }

    private string DecodeString(int length)
    {
        var bytes = Take(length);
        return length == 0 ? string.Empty : Encoding.UTF8.GetString(bytes);
    }

    public string? ReadNullableString()
    {
        var length = ReadInt16();
        if (length < -1)
        {
            ProtocolException.ThrowInvalidLength("string", length);
        }

        return length == -1 ? null : DecodeString(length);
    }

    public string ReadString() => ReadNullableString() ?? throw new ProtocolException("Non-nullable string was null.");

    public string? ReadCompactNullableString()
    {
        var length = ReadCompactLength("compact string");
        return length == -1 ? null : DecodeString(length);
    }

    public string ReadCompactString() =>
        ReadCompactNullableString() ?? throw new ProtocolException("Non-nullable compact string was null.");

    public byte[]? ReadNullableBytes()
    {
        var length = ReadInt32();
        if (length < -1)
        {
            ProtocolException.ThrowInvalidLength("bytes", length);
        }

        return length == -1 ? null : Take(length).ToArray();
    }

    public byte[] ReadBytes() => ReadNullableBytes() ?? throw new ProtocolException("Non-nullable bytes were null.");

    public byte[]? ReadCompactNullableBytes()
    {
        var length = ReadCompactLength("compact bytes");
        return length == -1 ? null : Take(length).ToArray();
    }

    public byte[] ReadCompactBytes() =>
        ReadCompactNullableBytes() ?? throw new ProtocolException("Non-nullable compact bytes were null.");

    /// <summary>
    /// A <c>records</c> field: nullable bytes (int32 length, or compact length when flexible).
    /// Returned as a slice of the input when the reader was made from memory, so record batches
    /// are never copied while a request is decoded.
    /// </summary>
    public ReadOnlyMemory<byte>? ReadRecords(bool compact)
    {
        int length;
        if (compact)
        {
            length = ReadCompactLength("records");
        }
        else
        {
            length = ReadInt32();
            if (length < -1)
            {
                ProtocolException.ThrowInvalidLength("records", length);
            }
        }

        if (length == -1)
        {
            return null;
        }

        var start = _position;
        var span = Take(length);
        return _hasMemory ? _memory.Slice(start, length) : span.ToArray();
    }

    /// <summary>Classic array length (int32, -1 = null). Checked against the bytes left so a bogus count cannot force a huge allocation.</summary>
    public int ReadArrayLength()
    {
        var length = ReadInt32();
        CheckArrayLength(length);
        return length;
    }

    public int ReadCompactArrayLength()
    {
        var length = ReadCompactLength("compact array");
        CheckArrayLength(length);
        return length;
    }

    private readonly void CheckArrayLength(int length)
    {
        // Every element takes at least one byte, so more elements than bytes left is malformed.
        if (length < -1 || length > _span.Length - _position)
        {
            ProtocolException.ThrowInvalidLength("array", length);
        }
    }

    /// <summary>Reads a tagged-field section header's raw unknown field.</summary>
    public RawTaggedField ReadRawTaggedField(int tag, int size) => new(tag, Take(size).ToArray());
}
