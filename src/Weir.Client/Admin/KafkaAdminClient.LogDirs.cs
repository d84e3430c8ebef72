using Weir.Client.Cluster;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Client.Admin;

public sealed partial class KafkaAdminClient
{
    /// <summary>
    /// Every log dir of each broker with all its replicas (DescribeLogDirs with a null topic list, as Kafka's
    /// admin <c>describeLogDirs</c> sends it), keyed by broker id, then by log dir path.
    /// </summary>
    /// <exception cref="KafkaException">A broker answered a top-level error (v3+).</exception>
    public async Task<IReadOnlyDictionary<int, IReadOnlyDictionary<string, LogDirDescription>>> DescribeLogDirsAsync(IReadOnlyCollection<int> brokers, CancellationToken cancellationToken = default)
    {
        var result = new SortedDictionary<int, IReadOnlyDictionary<string, LogDirDescription>>();
        // Connections go by broker id, so the client must know every broker's address first.
        await _cluster.RefreshMetadataAsync([], cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var broker in brokers)
        {
            var connection = await _cluster.GetConnectionAsync(broker, ConnectionLane.Default, cancellationToken).ConfigureAwait(false);
            var version = connection.RequireVersion(ApiKey.DescribeLogDirs, 4);
            var response = await connection.SendAsync<DescribeLogDirsResponse>(ApiKey.DescribeLogDirs, version, new DescribeLogDirsRequest { Topics = null }, cancellationToken).ConfigureAwait(false);
            KafkaException.ThrowIfError(response.ErrorCode, "DescribeLogDirs", null);
            var dirs = new Dictionary<string, LogDirDescription>(StringComparer.Ordinal);
            foreach (var dir in response.Results)
            {
                var replicas = new Dictionary<TopicPartition, ReplicaInfo>();
                foreach (var topic in dir.Topics)
                {
                    foreach (var p in topic.Partitions)
                    {
                        replicas[new TopicPartition(topic.Name, p.PartitionIndex)] = new ReplicaInfo(p.PartitionSize, p.OffsetLag, p.IsFutureKey);
                    }
                }

                dirs[dir.LogDir] = new LogDirDescription(
                    dir.LogDir,
                    (ErrorCode)dir.ErrorCode,
                    replicas,
                    version >= 4 && dir.TotalBytes >= 0 ? dir.TotalBytes : null,
                    version >= 4 && dir.UsableBytes >= 0 ? dir.UsableBytes : null);
            }

            result[broker] = dirs;
        }

        return result;
    }
}
