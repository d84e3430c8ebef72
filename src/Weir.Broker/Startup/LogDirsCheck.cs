using Weir.Broker.Config;
using Weir.Storage;

namespace Weir.Broker.Startup;

/// <summary>
/// What a broker checks in its log dirs before it opens them: every meta.properties belongs to one
/// cluster and to this node, and the dirs are formatted, or may be formatted at start (Weir's auto-format).
/// </summary>
public static class LogDirsCheck
{
    /// <summary>
    /// Weir formats empty log dirs at start for a config without process.roles (today's `weir start`), and
    /// for one whose controller quorum is this node alone, as `kafka-storage.sh format --standalone` would:
    /// there is no other node whose cluster id it could disagree with. A config naming other controllers
    /// needs `kafka-storage.sh format -t ID` on every node first, as in Kafka 4, so they share a cluster id.
    /// </summary>
    public static bool FormatsUnformattedDirs(BrokerConfig config) => !config.HasExplicitProcessRoles || config.QuorumIsThisNodeAlone;

    /// <summary>Throws <see cref="ConfigException"/> naming both values when a dir belongs elsewhere or none is formatted when it must be.</summary>
    public static void Verify(BrokerConfig config)
    {
        MetaProperties? first = null;
        string? firstPath = null;
        var unformatted = new List<string>();
        foreach (var dir in config.LogDirs)
        {
            var meta = Directory.Exists(dir) ? MetaProperties.Read(dir) : null;
            var path = Path.Combine(dir, MetaProperties.FileName);
            if (meta is null)
            {
                unformatted.Add(dir);
                continue;
            }

            if (meta.NodeId != config.NodeId)
            {
                throw config.Origins.Error(
                    $"{path} has node.id {meta.NodeId}, but this config's node id is {config.NodeId}. If you moved your data, make sure your configured node id matches. " +
                    "If you intend to create a new node, you should remove all data in your data directories.",
                    "node.id", "broker.id");
            }

            if (first is null)
            {
                first = meta;
                firstPath = path;
            }
            else if (meta.ClusterId != first.ClusterId)
            {
                throw config.Origins.Error(
                    $"{path} has cluster.id {meta.ClusterId}, but {firstPath} has cluster.id {first.ClusterId}: these log dirs belong to different clusters. Remove the one that does not belong to this node from log.dirs.",
                    "log.dirs", "log.dir");
            }
        }

        if (first is null && !FormatsUnformattedDirs(config))
        {
            var file = config.Origins.File ?? "server.properties";
            throw config.Origins.Error(
                $"No meta.properties found in {string.Join(", ", unformatted)} (have you run kafka-storage.sh to format the directory?). " +
                $"This node's controller quorum names other nodes, so every node must be formatted with the same cluster id first: bin/kafka-storage.sh format -t <id from bin/kafka-storage.sh random-uuid> -c {file}.",
                "log.dirs", "log.dir");
        }
    }
}
