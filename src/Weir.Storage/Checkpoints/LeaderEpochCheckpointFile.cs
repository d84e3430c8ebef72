using System.Globalization;

namespace Weir.Storage.Checkpoints;

/// <summary><c>leader-epoch-checkpoint</c>: version 0, entries <c>leaderEpoch startOffset</c> (Kafka's <c>LeaderEpochCheckpointFile</c>).</summary>
public static class LeaderEpochCheckpointFile
{
    public const int CurrentVersion = 0;
    public const string FileName = "leader-epoch-checkpoint";

    public static void Write(string path, IReadOnlyList<EpochEntry> entries)
    {
        var lines = new List<string>(entries.Count);
        foreach (var e in entries)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{e.Epoch} {e.StartOffset}"));
        }

        CheckpointFile.Write(path, CurrentVersion, lines);
    }

    /// <summary>The entries; empty when the file is missing. Throws <see cref="InvalidDataException"/> when malformed.</summary>
    public static List<EpochEntry> Read(string path)
    {
        var result = new List<EpochEntry>();
        if (!CheckpointFile.TryRead(path, CurrentVersion, 2, out var entries))
        {
            return result;
        }

        foreach (var f in entries)
        {
            if (!int.TryParse(f[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var epoch)
                || !long.TryParse(f[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var offset))
            {
                throw new InvalidDataException($"Malformed entry in {path}.");
            }

            result.Add(new EpochEntry(epoch, offset));
        }

        return result;
    }
}
