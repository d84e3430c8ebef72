using System.Globalization;
using System.Text;

namespace Weir.Storage.Checkpoints;

/// <summary>
/// Kafka's text checkpoint format (<c>CheckpointFile.java</c>): line 1 version, line 2 entry count,
/// then one whitespace-separated entry per line. Written to <c>.tmp</c>, fsynced, then renamed over the file.
/// </summary>
public static class CheckpointFile
{
    /// <summary>Writes <paramref name="entries"/> atomically (temp file + fsync + rename).</summary>
    public static void Write(string path, int version, IReadOnlyList<string> entries)
    {
        var sb = new StringBuilder();
        sb.Append(version.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(entries.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var e in entries)
        {
            sb.Append(e).Append('\n');
        }

        WriteAtomically(path, Encoding.UTF8.GetBytes(sb.ToString()));
    }

    /// <summary>Temp file, fsync, rename: readers see the old file or the new one, never a torn one.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        var tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            fs.Write(content);
            fs.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// Reads the entries' fields. False when the file is missing; throws <see cref="InvalidDataException"/>
    /// when it is malformed or of another version (Kafka raises an IOException there).
    /// </summary>
    public static bool TryRead(string path, int expectedVersion, int fieldsPerEntry, out List<string[]> entries)
    {
        entries = [];
        if (!File.Exists(path))
        {
            return false;
        }

        var lines = File.ReadAllLines(path);
        if (lines.Length < 2
            || !int.TryParse(lines[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version != expectedVersion
            || !int.TryParse(lines[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || lines.Length < 2 + count)
        {
            throw new InvalidDataException($"Malformed checkpoint file {path}.");
        }

        for (var i = 0; i < count; i++)
        {
            var fields = lines[2 + i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != fieldsPerEntry)
            {
                throw new InvalidDataException($"Malformed line {i + 3} in checkpoint file {path}.");
            }

            entries.Add(fields);
        }

        return true;
    }
}
