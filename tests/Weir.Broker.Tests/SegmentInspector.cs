using Weir.Protocol.Records;

namespace Weir.Broker.Tests;

/// <summary>Reads the batch headers of a partition's log segments on disk, to see what was stored.</summary>
public static class SegmentInspector
{
    /// <summary>The compression codec of every batch in every segment of <c>topic-partition</c>.</summary>
    public static List<CompressionType> BatchCodecs(string dataDir, string topic, int partition)
    {
        var codecs = new List<CompressionType>();
        foreach (var file in Directory.GetFiles(Path.Combine(dataDir, $"{topic}-{partition}"), "*.log").Order(StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(file);
            var position = 0;
            while (position + RecordBatchHeader.Size <= bytes.Length)
            {
                var header = new RecordBatchHeader(bytes.AsSpan(position));
                codecs.Add(header.Compression);
                position += header.TotalSize;
            }
        }

        return codecs;
    }

    /// <summary>The partition directories of <paramref name="topic"/>, live or renamed for deletion (<c>topic-p.id-delete</c>).</summary>
    public static string[] PartitionDirs(string dataDir, string topic) =>
        [.. Directory.GetDirectories(dataDir).Select(Path.GetFileName).Where(d => d!.StartsWith(topic + "-", StringComparison.Ordinal)).Order(StringComparer.Ordinal)!];
}
