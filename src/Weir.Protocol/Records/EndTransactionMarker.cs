using System.Buffers.Binary;

namespace Weir.Protocol.Records;

/// <summary>
/// A transaction marker (the single record of a control batch): key ABORT or COMMIT, value
/// int16 version (0) + int32 coordinatorEpoch (Kafka's EndTransactionMarker).
/// </summary>
public readonly record struct EndTransactionMarker(ControlRecordType Type, int CoordinatorEpoch)
{
    public const int ValueSize = 6;

    public const short CurrentValueVersion = 0;

    public void WriteKey(Span<byte> destination) => ControlRecord.WriteKey(destination, Type);

    public void WriteValue(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt16BigEndian(destination, CurrentValueVersion);
        BinaryPrimitives.WriteInt32BigEndian(destination[2..], CoordinatorEpoch);
    }

    /// <summary>Reads a marker from a control record's key and value; false when it is not ABORT/COMMIT or is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, out EndTransactionMarker marker)
    {
        marker = default;
        if (!ControlRecord.TryReadType(key, out var type) ||
            (type != ControlRecordType.Abort && type != ControlRecordType.Commit) ||
            value.Length < ValueSize ||
            BinaryPrimitives.ReadInt16BigEndian(value) < 0)
        {
            return false;
        }

        marker = new EndTransactionMarker(type, BinaryPrimitives.ReadInt32BigEndian(value[2..]));
        return true;
    }
}
