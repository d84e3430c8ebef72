using Weir.Broker.Config;
using Weir.Broker.Metadata;
using Weir.Broker.Partitions;
using Weir.Protocol;
using Weir.Protocol.Metadata;
using Weir.Storage;

namespace Weir.Broker.Tests.Controller;

/// <summary>
/// Logs are created when a committed image assigns replicas here, not before the commit: a log that
/// cannot be created leaves its partition offline on this broker (the commit stands), and the partition
/// stops being offline once its topic is gone.
/// </summary>
public sealed class ReplicaManagerApplyTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "weir-apply-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }

    [Fact]
    public void A_committed_partition_whose_log_cannot_be_created_is_offline_here_and_the_others_are_hosted()
    {
        var config = BrokerConfig.Default(_dir);
        var logs = LogManager.Open(new LogManagerOptions { LogDirs = [_dir], ClusterId = "cluster", NodeId = config.NodeId, Validator = BatchValidator.Instance });
        try
        {
            var replicas = new ReplicaManager(logs, config);
            var id = Guid.NewGuid();
            var image = Apply(
                MetadataImage.Empty("cluster"),
                new TopicRecord { Name = "t", TopicId = id },
                new PartitionRecord { TopicId = id, PartitionId = 0, Replicas = [config.NodeId], Isr = [config.NodeId], Leader = config.NodeId },
                new PartitionRecord { TopicId = id, PartitionId = 1, Replicas = [config.NodeId], Isr = [config.NodeId], Leader = config.NodeId });

            // Where t-1's directory would go there is a file: creating that log fails (and takes the dir offline).
            File.WriteAllText(Path.Combine(_dir, "t-1"), "in the way");
            replicas.Apply(image);

            Assert.NotNull(replicas.Get("t", 0));
            Assert.Null(replicas.OfflineReason("t", 0));
            Assert.Null(replicas.Get("t", 1));
            Assert.Contains("t-1", replicas.OfflineReason("t", 1), StringComparison.Ordinal);
            Assert.Equal(ErrorCode.KafkaStorageError, replicas.NotHostedError("t", 1));
            Assert.Equal(ErrorCode.UnknownTopicOrPartition, replicas.NotHostedError("t", 7));

            // Still committed, still offline on the next image; gone with its topic.
            replicas.Apply(image);
            Assert.NotNull(replicas.OfflineReason("t", 1));
            replicas.Apply(Apply(image, new RemoveTopicRecord { TopicId = id }));
            Assert.Null(replicas.OfflineReason("t", 1));
            Assert.Null(replicas.Get("t", 0));
        }
        finally
        {
            logs.Shutdown();
        }
    }

    private static MetadataImage Apply(MetadataImage image, params IKafkaMessage[] records)
    {
        foreach (var record in records)
        {
            image = MetadataDelta.Apply(image, record, image.Offset + 1);
        }

        return image;
    }
}
