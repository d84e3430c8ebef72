using System.Globalization;

namespace Weir.Storage.Checkpoints;

/// <summary>
/// <c>recovery-point-offset-checkpoint</c>, <c>log-start-offset-checkpoint</c>,
/// <c>replication-offset-checkpoint</c>: version 0, entries <c>topic partition offset</c>
/// (Kafka's <c>OffsetCheckpointFile</c>).
/// </summary>
public static class OffsetCheckpointFile
{
    public const int CurrentVersion = 0;
    public const string RecoveryPointFileName = "recovery-point-offset-checkpoint";
    public const string LogStartOffsetFileName = "log-start-offset-checkpoint";
    public const string ReplicationOffsetFileName = "replication-offset-checkpoint";
    public const string CleanerOffsetFileName = "cleaner-offset-checkpoint";

    public static void Write(string path, IReadOnlyDictionary<TopicPartition, long> offsets)
    {
        var lines = new List<string>(offsets.Count);
        foreach (var (tp, offset) in offsets)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{tp.Topic} {tp.Partition} {offset}"));
        }

        lines.Sort(StringComparer.Ordinal);
        CheckpointFile.Write(path, CurrentVersion, lines);
    }

    /// <summary>The offsets in the file; empty when it is missing. Throws <see cref="InvalidDataException"/> when malformed.</summary>
    public static Dictionary<TopicPartition, long> Read(string path)
    {
        var result = new Dictionary<TopicPartition, long>();
        if (!CheckpointFile.TryRead(path, CurrentVersion, 3, out var entries))
        {
            return result;
        }

        foreach (var f in entries)
        {
            if (!int.TryParse(f[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var partition)
                || !long.TryParse(f[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var offset))
            {
                throw new InvalidDataException($"Malformed entry in checkpoint file {path}.");
            }

            result[new TopicPartition(f[0], partition)] = offset;
        }

        return result;
    }
}
