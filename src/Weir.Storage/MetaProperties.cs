using System.Globalization;
using System.Text;
using Weir.Storage.Checkpoints;

namespace Weir.Storage;

/// <summary>
/// <c>meta.properties</c> at the root of a log dir (Kafka's <c>MetaProperties</c>, KRaft version 1):
/// cluster.id, node.id and directory.id. A Java properties file.
/// </summary>
public sealed record MetaProperties(int Version, string ClusterId, int NodeId, string DirectoryId)
{
    public const string FileName = "meta.properties";

    /// <summary>Reads the file; null when it does not exist. Throws <see cref="InvalidDataException"/> when unusable.</summary>
    public static MetaProperties? Read(string logDir)
    {
        var path = Path.Combine(logDir, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        var props = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or '!')
            {
                continue;
            }

            var eq = line.IndexOfAny(['=', ':']);
            if (eq > 0)
            {
                props[line[..eq].Trim()] = line[(eq + 1)..].Trim();
            }
        }

        if (!props.TryGetValue("version", out var v) || !int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw new InvalidDataException($"{path} has no valid version.");
        }

        if (version != 1)
        {
            throw new InvalidDataException($"{path} has version {version}; only KRaft version 1 is supported.");
        }

        if (!props.TryGetValue("cluster.id", out var clusterId) || !props.TryGetValue("node.id", out var n)
            || !int.TryParse(n, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var nodeId))
        {
            throw new InvalidDataException($"{path} lacks cluster.id or node.id.");
        }

        props.TryGetValue("directory.id", out var directoryId);
        return new MetaProperties(version, clusterId, nodeId, directoryId ?? string.Empty);
    }

    /// <summary>Writes the file atomically.</summary>
    public void Write(string logDir)
    {
        var sb = new StringBuilder();
        sb.Append("#\n#Written by Weir\n");
        sb.Append("cluster.id=").Append(ClusterId).Append('\n');
        sb.Append("directory.id=").Append(DirectoryId).Append('\n');
        sb.Append("node.id=").Append(NodeId.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("version=").Append(Version.ToString(CultureInfo.InvariantCulture)).Append('\n');
        CheckpointFile.WriteAtomically(Path.Combine(logDir, FileName), Encoding.UTF8.GetBytes(sb.ToString()));
    }
}
