using Weir.Protocol.Records;

namespace Weir.Storage.Log;

/// <summary>The header fields of one stored batch that the log needs; read from the first 61 bytes.</summary>
internal readonly record struct BatchInfo(long BaseOffset, long LastOffset, int Size, long MaxTimestamp, int PartitionLeaderEpoch, byte Magic)
{
    /// <summary>Reads a header; false when fewer than 61 bytes are available or the length field is impossible.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out BatchInfo info)
    {
        info = default;
        if (bytes.Length < RecordBatchHeader.Size)
        {
            return false;
        }

        var h = new RecordBatchHeader(bytes);
        if (h.BatchLength < RecordBatchHeader.Size - RecordBatchHeader.LogOverhead || h.LastOffsetDelta < 0)
        {
            return false;
        }

        info = new BatchInfo(h.BaseOffset, h.LastOffset, h.TotalSize, h.MaxTimestamp, h.PartitionLeaderEpoch, h.Magic);
        return true;
    }
}
