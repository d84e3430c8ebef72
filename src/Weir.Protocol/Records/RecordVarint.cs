using System.Runtime.CompilerServices;

namespace Weir.Protocol.Records;

/// <summary>
/// Span-based zig-zag varints for the record hot path: reading reports failure as a value
/// (records are validated without exceptions), writing assumes the caller sized the span.
/// </summary>
internal static class RecordVarint
{
    /// <summary>Reads a zig-zag varint (at most 5 bytes). False when truncated or too long.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryReadVarInt(ReadOnlySpan<byte> source, ref int position, out int value)
    {
        var pos = position;
        if ((uint)pos < (uint)source.Length && source[pos] < 0x80)
        {
            // One-byte fast path: most lengths, deltas and attributes fit.
            var b = (uint)source[pos];
            value = (int)(b >> 1) ^ -(int)(b & 1);
            position = pos + 1;
            return true;
        }

        uint raw = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            if ((uint)pos >= (uint)source.Length)
            {
                value = 0;
                return false;
            }

            uint b = source[pos++];
            raw |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                value = (int)(raw >> 1) ^ -(int)(raw & 1);
                position = pos;
                return true;
            }
        }

        value = 0;
        return false;
    }

    /// <summary>Reads a zig-zag varlong (at most 10 bytes). False when truncated or too long.</summary>
    public static bool TryReadVarLong(ReadOnlySpan<byte> source, ref int position, out long value)
    {
        var pos = position;
        ulong raw = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if ((uint)pos >= (uint)source.Length)
            {
                value = 0;
                return false;
            }

            ulong b = source[pos++];
            raw |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                value = (long)(raw >> 1) ^ -(long)(raw & 1);
                position = pos;
                return true;
            }
        }

        value = 0;
        return false;
    }

    /// <summary>Writes a zig-zag varint; returns the bytes written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteVarInt(Span<byte> destination, int value)
    {
        var raw = (uint)((value << 1) ^ (value >> 31));
        var i = 0;
        while (raw >= 0x80)
        {
            destination[i++] = (byte)(raw | 0x80);
            raw >>= 7;
        }

        destination[i++] = (byte)raw;
        return i;
    }

    /// <summary>Writes a zig-zag varlong; returns the bytes written.</summary>
    public static int WriteVarLong(Span<byte> destination, long value)
    {
        var raw = (ulong)((value << 1) ^ (value >> 63));
        var i = 0;
        while (raw >= 0x80)
        {
            destination[i++] = (byte)(raw | 0x80);
            raw >>= 7;
        }

        destination[i++] = (byte)raw;
        return i;
    }
}
