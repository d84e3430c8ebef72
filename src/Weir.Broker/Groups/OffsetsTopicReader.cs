using Weir.Protocol.Records;
using Weir.Storage.Log;

namespace Weir.Broker.Groups;

/// <summary>
/// Replays one <c>__consumer_offsets</c> partition for <c>GroupCoordinator.Load</c>: every record's
/// key and value (null for tombstones) from the log start to the log end, in offset order, read a
/// chunk at a time so memory stays bounded by the chunk, not the log. Control batches are skipped.
/// </summary>
public static class OffsetsTopicReader
{
    private const int ChunkBytes = 1 << 20;

    public static IEnumerable<(ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte>? Value)> Read(PartitionLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        return ReadFrom(log, log.LogStartOffset, log.LogEndOffset);
    }

    private static IEnumerable<(ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte>? Value)> ReadFrom(PartitionLog log, long offset, long end)
    {
        var chunk = new List<(ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte>? Value)>();
        while (offset < end)
        {
            // Everything in a single node's log is committed: read to the log end, not the high watermark.
            var slice = log.Read(offset, ChunkBytes, end, minOneBatch: true);
            if (slice.Error != LogError.None || slice.IsEmpty)
            {
                yield break;
            }

            chunk.Clear();
            var next = Parse(slice.ToArray(), offset, chunk);
            foreach (var record in chunk)
            {
                yield return record;
            }

            if (next <= offset)
            {
                yield break;
            }

            offset = next;
        }
    }

    /// <summary>Copies the records at or after <paramref name="from"/> into <paramref name="into"/>; returns the offset after the last batch.</summary>
    private static long Parse(byte[] bytes, long from, List<(ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte>? Value)> into)
    {
        var next = from;
        foreach (var batch in new RecordBatchEnumerator(bytes))
        {
            var header = new RecordBatchHeader(batch);
            next = header.BaseOffset + header.LastOffsetDelta + 1;
            if (header.IsControl)
            {
                continue;
            }

            using var records = RecordBatch.ReadRecords(batch);
            foreach (var record in records)
            {
                if (record.Offset < from || record.IsKeyNull)
                {
                    continue;
                }

                ReadOnlyMemory<byte>? value = record.IsValueNull ? null : record.Value.ToArray();
                into.Add((record.Key.ToArray(), value));
            }
        }

        return next;
    }
}
