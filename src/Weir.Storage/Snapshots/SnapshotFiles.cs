using System.Globalization;

namespace Weir.Storage.Snapshots;

/// <summary>
/// Kafka's snapshot file names (<c>Snapshots.java</c>), kept in the partition directory next to the
/// segments: <c>&lt;20-digit end offset&gt;-&lt;10-digit epoch&gt;.checkpoint</c>; <c>.checkpoint.part</c> while
/// being written, <c>.checkpoint.deleted</c> once marked for deletion.
/// </summary>
public static class SnapshotFiles
{
    public const string Suffix = ".checkpoint";
    public const string PartialSuffix = Suffix + ".part";
    public const string DeletedSuffix = Suffix + ".deleted";

    private const int OffsetWidth = 20;
    private const int EpochWidth = 10;
    private const int StemLength = OffsetWidth + 1 + EpochWidth;

    public static string FileNameStem(SnapshotId id) =>
        string.Create(CultureInfo.InvariantCulture, $"{id.EndOffset:D20}-{id.Epoch:D10}");

    public static string PathOf(string directory, SnapshotId id) => Path.Combine(directory, FileNameStem(id) + Suffix);

    public static string PartialPathOf(string directory, SnapshotId id) => Path.Combine(directory, FileNameStem(id) + PartialSuffix);

    /// <summary>Parses a snapshot file name of any of the three kinds; false for any other file.</summary>
    public static bool TryParse(string fileName, out SnapshotId id, out bool partial, out bool deleted)
    {
        id = default;
        partial = fileName.EndsWith(PartialSuffix, StringComparison.Ordinal);
        deleted = fileName.EndsWith(DeletedSuffix, StringComparison.Ordinal);
        if ((!partial && !deleted && !fileName.EndsWith(Suffix, StringComparison.Ordinal))
            || fileName.Length < StemLength + Suffix.Length
            || fileName[OffsetWidth] != '-'
            // Kafka's partial files carry a random infix after the stem (createTempFile); ours do not, both parse.
            || (!partial && fileName.Length != StemLength + (deleted ? DeletedSuffix.Length : Suffix.Length)))
        {
            return false;
        }

        if (!long.TryParse(fileName.AsSpan(0, OffsetWidth), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            || !int.TryParse(fileName.AsSpan(OffsetWidth + 1, EpochWidth), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
        {
            return false;
        }

        id = new SnapshotId(offset, epoch);
        return true;
    }

    /// <summary>The complete (frozen) snapshots in <paramref name="directory"/>, oldest first.</summary>
    public static List<SnapshotId> List(string directory)
    {
        var ids = new List<SnapshotId>();
        if (!Directory.Exists(directory))
        {
            return ids;
        }

        foreach (var path in Directory.EnumerateFiles(directory, "*" + Suffix))
        {
            if (TryParse(Path.GetFileName(path), out var id, out var partial, out var deleted) && !partial && !deleted)
            {
                ids.Add(id);
            }
        }

        ids.Sort();
        return ids;
    }

    /// <summary>
    /// Removes what an interrupted write or delete left behind (<c>.checkpoint.part</c>,
    /// <c>.checkpoint.deleted</c>), as Kafka does when it opens the log. Returns how many files went.
    /// </summary>
    public static int DeleteLeftovers(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        var count = 0;
        foreach (var path in Directory.EnumerateFiles(directory, "*" + Suffix + ".*"))
        {
            if (TryParse(Path.GetFileName(path), out _, out var partial, out var deleted) && (partial || deleted))
            {
                File.Delete(path);
                count++;
            }
        }

        return count;
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> snapshots; returns the ones kept, oldest first.</summary>
    public static List<SnapshotId> Retain(string directory, int keep)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keep);
        var ids = List(directory);
        var drop = Math.Max(0, ids.Count - keep);
        for (var i = 0; i < drop; i++)
        {
            Delete(directory, ids[i]);
        }

        return ids[drop..];
    }

    /// <summary>
    /// Deletes one snapshot: renamed to <c>.checkpoint.deleted</c> first so a crash midway leaves a file the
    /// next start removes, never a half-deleted snapshot that looks whole. False if it did not exist.
    /// </summary>
    public static bool Delete(string directory, SnapshotId id)
    {
        var path = PathOf(directory, id);
        if (!File.Exists(path))
        {
            return false;
        }

        var deleted = Path.Combine(directory, FileNameStem(id) + DeletedSuffix);
        File.Move(path, deleted, overwrite: true);
        File.Delete(deleted);
        return true;
    }
}
