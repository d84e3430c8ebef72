using System.Buffers.Binary;

namespace Weir.Protocol.Records;

/// <summary>The key of a control record: int16 version (0), int16 type (Kafka's ControlRecordType).</summary>
public static class ControlRecord
{
    public const int KeySize = 4;

    public const short CurrentKeyVersion = 0;

    public static void WriteKey(Span<byte> destination, ControlRecordType type)
    {
        BinaryPrimitives.WriteInt16BigEndian(destination, CurrentKeyVersion);
        BinaryPrimitives.WriteInt16BigEndian(destination[2..], (short)type);
    }

    /// <summary>
    /// Reads a control record key. False when it is shorter than 4 bytes or its version is
    /// negative; like Java, a newer version is read as far as the type. Unknown types come back as
    /// their number.
    /// </summary>
    public static bool TryReadType(ReadOnlySpan<byte> key, out ControlRecordType type)
    {
        type = default;
        if (key.Length < KeySize || BinaryPrimitives.ReadInt16BigEndian(key) < 0)
        {
            return false;
        }

        type = (ControlRecordType)BinaryPrimitives.ReadInt16BigEndian(key[2..]);
        return true;
    }
}
