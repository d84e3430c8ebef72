using Weir.Broker.Config;
using Weir.Broker.Controller;
using Weir.Broker.Metadata;
using Weir.Broker.Producers;
using Weir.Protocol;
using Weir.Storage;
using Weir.Storage.Log;

namespace Weir.Broker.Tests.Controller;

/// <summary>
/// The broker's side of the metadata log: its own image built from committed records (one voter over a
/// real metadata log, and again after a restart), publishers told in order, and producer ids in blocks.
/// </summary>
public sealed class MetadataLoaderTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "weir-loader-" + Guid.NewGuid().ToString("N"));

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
    public async Task One_voter_image_is_the_committed_log_and_is_rebuilt_from_it_after_a_restart()
    {
        var config = BrokerConfig.Default(_dir);
        Guid topicId;
        using (var node = Node.Open(_dir, config))
        {
            var images = new List<MetadataImage>();
            node.Loader.ImagePublished += images.Add;
            var registered = await node.Controller.RegisterBrokerAsync(new BrokerRegistrationInfo(config.NodeId, Guid.NewGuid(), "PLAINTEXT", "localhost", 9092, null)).WaitAsync(Deadline);
            Assert.Equal(ErrorCode.None, registered.Error);
            var created = await node.Controller.CreateTopicAsync(new TopicCreation("t", 3, 1, null, new Dictionary<string, string?> { ["retention.ms"] = "60000" }), validateOnly: false).WaitAsync(Deadline);
            Assert.Equal(ErrorCode.None, created.Error);
            topicId = created.TopicId;

            // Answered after the broker's own image has it: one image per committed decision.
            Assert.Equal(3, node.Loader.Image.TopicsByName["t"].Partitions.Length);
            Assert.Equal(2, images.Count);
            Assert.Same(node.Loader.Image, images[^1]);
            Assert.Equal(node.Quorum.CommittedOffset, node.Loader.Image.Offset);
        }

        using (var restarted = Node.Open(_dir, config))
        {
            var publisher = new RecordingPublisher();
            restarted.Loader.InstallPublisher(publisher);
            var (previous, image) = Assert.Single(publisher.Updates);
            Assert.Empty(previous.TopicsByName);
            Assert.Equal(topicId, image.TopicsByName["t"].Id);
            Assert.Equal("60000", image.ConfigsOf(ConfigResourceKind.Topic, "t")["retention.ms"]);
            Assert.True(image.Brokers.ContainsKey(config.NodeId));

            // The controller replayed the same log: the topic exists for it too.
            var again = await restarted.Controller.CreateTopicAsync(new TopicCreation("t", 1, 1, null, new Dictionary<string, string?>()), validateOnly: false).WaitAsync(Deadline);
            Assert.Equal(ErrorCode.TopicAlreadyExists, again.Error);
            var removed = await restarted.Controller.DeleteTopicAsync(topicId).WaitAsync(Deadline);
            Assert.Equal(ErrorCode.None, removed.Error);
            Assert.Equal(2, publisher.Updates.Count);
            Assert.True(publisher.Updates[1].Previous.TopicsByName.ContainsKey("t"));
            Assert.False(publisher.Updates[1].Image.TopicsByName.ContainsKey("t"));
        }
    }

    [Fact]
    public async Task Producer_ids_come_from_one_block_per_thousand_and_are_never_reused_after_a_restart()
    {
        var config = BrokerConfig.Default(_dir);
        var seen = new HashSet<long>();
        using (var node = Node.Open(_dir, config))
        {
            var ids = new ProducerIdManager(node.Controller, config.NodeId, () => 0);
            var generated = await Task.WhenAll(Enumerable.Range(0, 1500).Select(_ => ids.GenerateAsync(CancellationToken.None).AsTask())).WaitAsync(Deadline);
            foreach (var (error, id) in generated)
            {
                Assert.Equal(ErrorCode.None, error);
                Assert.True(seen.Add(id), $"producer id {id} handed out twice");
            }

            // 1500 ids, two blocks: two ProducerIdsRecords, whatever the concurrency.
            Assert.Equal(2000, node.Loader.Image.NextProducerId);
        }

        using (var restarted = Node.Open(_dir, config))
        {
            var ids = new ProducerIdManager(restarted.Controller, config.NodeId, () => 0);
            var (error, id) = await ids.GenerateAsync(CancellationToken.None).AsTask().WaitAsync(Deadline);
            Assert.Equal(ErrorCode.None, error);
            Assert.Equal(2000, id);
        }
    }

    /// <summary>One node's metadata side: the log, the one-voter quorum, the loader (first) and the controller.</summary>
    private sealed class Node : IDisposable
    {
        private readonly PartitionLog _log;

        private Node(PartitionLog log, LocalMetadataQuorum quorum, MetadataLoader loader, QuorumController controller)
        {
            _log = log;
            Quorum = quorum;
            Loader = loader;
            Controller = controller;
        }

        public LocalMetadataQuorum Quorum { get; }

        public MetadataLoader Loader { get; }

        public QuorumController Controller { get; }

        public static Node Open(string dir, BrokerConfig config)
        {
            var log = PartitionLog.Open(
                Path.Combine(dir, "__cluster_metadata-0"),
                MetadataLog.Partition,
                MetadataLog.LogConfigFrom(LogConfig.Default),
                new PartitionLogOptions { Validator = BatchValidator.Instance, HadCleanShutdown = true });
            var quorum = new LocalMetadataQuorum(new MetadataLog(log, TimeProvider.System));
            var loader = new MetadataLoader("cluster");
            quorum.Register(loader);
            var controller = new QuorumController(quorum, config, localCapacity: null);
            quorum.Start();
            return new Node(log, quorum, loader, controller);
        }

        public void Dispose()
        {
            Controller.Dispose();
            _log.Close();
        }
    }

    private sealed class RecordingPublisher : IMetadataPublisher
    {
        public List<(MetadataImage Previous, MetadataImage Image)> Updates { get; } = [];

        public string Name => "recording";

        public void OnMetadataUpdate(MetadataImage previous, MetadataImage image) => Updates.Add((previous, image));
    }
}
