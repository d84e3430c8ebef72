using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Weir.Broker.Config;
using Weir.Broker.Controller;
using Weir.Broker.Metadata;
using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Protocol.Records;
using Weir.Storage;
using Weir.Storage.Log;
using Weir.Storage.Snapshots;

namespace Weir.Broker.Tests;

/// <summary>
/// Metadata log snapshots without sockets: a controller over a metadata log in a temp dir, restarted
/// by closing and reopening the log, as the broker does at startup.
/// </summary>
public sealed class MetadataSnapshotTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "weir-snap-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
    private readonly BrokerConfig _config = BrokerConfig.FromProperties(new Dictionary<string, string> { ["log.dirs"] = "unused" });
    private readonly ListLogger _logger = new();
    private PartitionLog? _partitionLog;
    private ControllerOverLog? _controller;

    private string LogDir => Path.Combine(_dir, MetadataLog.Partition.ToString());

    public void Dispose()
    {
        _controller?.Dispose();
        _partitionLog?.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public void A_snapshot_of_a_real_image_holds_header_records_footer_and_replays_to_an_equal_image()
    {
        var (log, controller) = Open();
        Populate(controller, topics: 5);
        var image = controller.Image;

        var id = log.WriteSnapshot(image);
        Assert.Equal(new SnapshotId(image.Offset + 1, 0), id);
        Assert.True(File.Exists(Path.Combine(LogDir, $"{image.Offset + 1:D20}-0000000000.checkpoint")));

        // Kafka's layout: control batch (header), data batches from offset 0, control batch (footer).
        var batches = new List<(long Base, bool Control, ControlRecordType? Type, int Count)>();
        using (var reader = RawSnapshotReader.Open(LogDir, id!.Value)!)
        {
            reader.ForEachBatch(b =>
            {
                var header = new RecordBatchHeader(b);
                ControlRecordType? type = null;
                if (header.IsControl)
                {
                    using var records = RecordBatch.ReadRecords(b);
                    foreach (var r in records)
                    {
                        Assert.True(ControlRecord.TryReadType(r.Key, out var t));
                        type = t;
                        var reading = new Protocol.Primitives.KafkaReader(r.Value);
                        if (t == ControlRecordType.SnapshotHeader)
                        {
                            Assert.Equal(0, SnapshotHeaderRecord.Read(ref reading, 0).Version);
                        }
                        else
                        {
                            Assert.Equal(0, SnapshotFooterRecord.Read(ref reading, 0).Version);
                        }
                    }
                }

                batches.Add((header.BaseOffset, header.IsControl, type, header.RecordsCount));
            });
        }

        Assert.Equal((0L, true, ControlRecordType.SnapshotHeader, 1), batches[0]);
        Assert.Equal((true, (ControlRecordType?)ControlRecordType.SnapshotFooter), (batches[^1].Control, batches[^1].Type));
        Assert.All(batches[1..^1], b => Assert.False(b.Control));
        Assert.Equal(1, batches[1].Base);
        Assert.Equal(MetadataImageWriter.Records(image).Count, batches[1..^1].Sum(b => b.Count));

        var (_, restarted) = Reopen();
        AssertSameImage(image, restarted.Image);
        Assert.Equal(5, restarted.Image.TopicsByName.Count); // five created, one of them deleted, "configured" added
        Assert.Equal("compact", restarted.Image.ConfigsOf(ConfigResourceKind.Topic, "configured")["cleanup.policy"]);
        Assert.Equal(5, restarted.Image.TopicsByName["configured"].Partitions.Length);
    }

    [Fact]
    public void After_snapshots_and_a_trim_a_restart_reads_the_same_image_from_a_log_that_starts_at_the_oldest_kept_snapshot()
    {
        var (log, controller) = Open(segmentBytes: 1024);
        Populate(controller, topics: 20);
        var first = log.WriteSnapshot(controller.Image)!.Value;
        Assert.Equal(first.EndOffset, log.LogStartOffset); // one snapshot: the log starts at it

        CreateTopics(controller, "more", 20);
        var second = log.WriteSnapshot(controller.Image)!.Value;
        Assert.Equal(first.EndOffset, log.LogStartOffset); // kept from the older of the two kept
        CreateTopics(controller, "again", 20);
        var segmentsBefore = _partitionLog!.SegmentCount;
        var third = log.WriteSnapshot(controller.Image)!.Value;
        Assert.Equal([second, third], log.Snapshots);
        Assert.Equal(second.EndOffset, log.LogStartOffset);
        Assert.Equal(second.EndOffset, _partitionLog.LogStartOffset);
        Assert.True(_partitionLog.SegmentBaseOffsets[0] <= second.EndOffset);
        Assert.DoesNotContain(0L, _partitionLog.SegmentBaseOffsets);
        Assert.True(_partitionLog.SegmentCount < segmentsBefore, $"{_partitionLog.SegmentCount} segments, {segmentsBefore} before");

        CreateTopics(controller, "after", 3); // in the log only
        var image = controller.Image;

        // Reopened without the log start checkpoint (as after kill -9): the start is moved back to the snapshot.
        var (reopenedLog, restarted) = Reopen(segmentBytes: 1024);
        AssertSameImage(image, restarted.Image);
        Assert.Contains("after-2", restarted.Image.TopicsByName.Keys);
        Assert.Equal(second.EndOffset, reopenedLog.LogStartOffset);
        Assert.Equal(third, reopenedLog.LatestSnapshot);

        // And it goes on appending where it was.
        CreateTopics(restarted, "later", 1);
        Assert.Equal(image.Offset + 3, restarted.Image.Offset); // a topic and its two partitions
    }

    [Fact]
    public void A_corrupt_latest_snapshot_is_deleted_with_a_warning_and_the_older_one_plus_the_log_rebuild_the_image()
    {
        var (log, controller) = Open(segmentBytes: 1024);
        Populate(controller, topics: 10);
        var older = log.WriteSnapshot(controller.Image)!.Value;
        CreateTopics(controller, "more", 10);
        var latest = log.WriteSnapshot(controller.Image)!.Value;
        CreateTopics(controller, "tail", 2);
        var image = controller.Image;
        _partitionLog!.Dispose();
        _partitionLog = null;

        var path = SnapshotFiles.PathOf(LogDir, latest);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x5A;
        File.WriteAllBytes(path, bytes);

        var (reopened, restarted) = Reopen(segmentBytes: 1024);
        AssertSameImage(image, restarted.Image);
        var warning = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(SnapshotFiles.FileNameStem(latest), warning.Message, StringComparison.Ordinal);
        Assert.Equal([older], reopened.Snapshots);
        Assert.Equal(older, reopened.LatestSnapshot);
    }

    [Fact]
    public void A_snapshot_without_its_footer_is_not_loaded()
    {
        var (log, controller) = Open();
        Populate(controller, topics: 3);
        var id = log.WriteSnapshot(controller.Image)!.Value;
        CreateTopics(controller, "tail", 2);
        var image = controller.Image;
        _partitionLog!.Dispose();
        _partitionLog = null;

        // Cut the footer batch off: every remaining batch is valid, the snapshot is not whole. The log was
        // trimmed only at segment granularity and the one segment holds everything, so the log replays.
        var path = SnapshotFiles.PathOf(LogDir, id);
        var batches = new List<int>();
        using (var reader = RawSnapshotReader.Open(LogDir, id)!)
        {
            reader.ForEachBatch(b => batches.Add(b.Length));
        }

        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^batches[^1]]);
        var (reopened, restarted) = Reopen(logStartOffset: 0);
        AssertSameImage(image, restarted.Image);
        Assert.Empty(reopened.Snapshots);
    }

    [Fact]
    public void A_trimmed_log_without_a_readable_snapshot_refuses_to_start_rather_than_lose_topics()
    {
        var (log, controller) = Open(segmentBytes: 1024);
        Populate(controller, topics: 20);
        var id = log.WriteSnapshot(controller.Image)!.Value;
        Assert.True(log.LogStartOffset > 0);
        _partitionLog!.Dispose();
        _partitionLog = null;
        File.WriteAllBytes(SnapshotFiles.PathOf(LogDir, id), [0, 0, 0]);

        var e = Assert.Throws<InvalidDataException>(() => Reopen(segmentBytes: 1024));
        Assert.Contains("no readable snapshot", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_snapshotter_writes_once_enough_bytes_were_appended()
    {
        var (log, controller) = Open();
        var snapshotter = new MetadataSnapshotter(log, maxBytesBetweenSnapshots: 2_000, maxIntervalMs: 0, _time, NullLogger.Instance);
        controller.ImagePublished += snapshotter.OnImagePublished;

        CreateTopics(controller, "t", 1);
        await snapshotter.Pending;
        Assert.Null(log.LatestSnapshot);
        Assert.True(log.AppendedBytes is > 0 and < 2_000, $"{log.AppendedBytes} bytes");

        var n = 0;
        while (log.AppendedBytes < 2_000)
        {
            CreateTopics(controller, "u" + n++, 1);
        }

        await snapshotter.Pending;
        Assert.Equal(controller.Image.Offset + 1, log.LatestSnapshot?.EndOffset);
        Assert.Single(log.Snapshots);
    }

    [Fact]
    public async Task The_snapshotter_writes_once_the_interval_passed_with_records_appended()
    {
        var (log, controller) = Open();
        var snapshotter = new MetadataSnapshotter(log, maxBytesBetweenSnapshots: long.MaxValue, maxIntervalMs: 60_000, _time, NullLogger.Instance);
        controller.ImagePublished += snapshotter.OnImagePublished;

        CreateTopics(controller, "t", 3);
        _time.Advance(TimeSpan.FromMilliseconds(59_999));
        CreateTopics(controller, "u", 1);
        await snapshotter.Pending;
        Assert.Null(log.LatestSnapshot);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        CreateTopics(controller, "v", 1);
        await snapshotter.Pending;
        var first = log.LatestSnapshot;
        Assert.Equal(controller.Image.Offset + 1, first?.EndOffset);

        // The interval restarts at the snapshot.
        _time.Advance(TimeSpan.FromMilliseconds(30_000));
        CreateTopics(controller, "w", 1);
        await snapshotter.Pending;
        Assert.Equal(first, log.LatestSnapshot);
        _time.Advance(TimeSpan.FromMilliseconds(30_000));
        CreateTopics(controller, "x", 1);
        await snapshotter.Pending;
        Assert.Equal(controller.Image.Offset + 1, log.LatestSnapshot?.EndOffset);
    }

    [Fact]
    public async Task A_failed_snapshot_write_keeps_the_log_whole_and_the_controller_going()
    {
        var (log, controller) = Open();
        var snapshotter = new MetadataSnapshotter(log, maxBytesBetweenSnapshots: 1, maxIntervalMs: 0, _time, NullLogger.Instance);
        controller.ImagePublished += snapshotter.OnImagePublished;
        CreateTopics(controller, "t", 1);
        await snapshotter.Pending;
        var written = log.LatestSnapshot!.Value;

        // The next snapshot's part file cannot be created: a directory is in its way. The next topic is
        // three records (the topic and its two partitions).
        var next = new SnapshotId(controller.Image.Offset + 1 + 3, 0);
        Directory.CreateDirectory(SnapshotFiles.PartialPathOf(LogDir, next));
        CreateTopics(controller, "u", 1);
        await snapshotter.Pending;
        Assert.Equal(written, log.LatestSnapshot);
        Assert.Equal(written.EndOffset, log.LogStartOffset);
        Assert.True(controller.Image.TopicsByName.ContainsKey("u-0"));
    }

    private static void Populate(ControllerOverLog controller, int topics)
    {
        CreateTopics(controller, "topic", topics);
        var configured = controller.CreateTopic(
            new TopicCreation("configured", 3, 1, null, new Dictionary<string, string?> { ["retention.ms"] = "1000", ["cleanup.policy"] = "compact" }),
            validateOnly: false);
        Assert.Equal(ErrorCode.None, configured.Error);
        Assert.Equal(ErrorCode.None, controller.CreatePartitions("configured", 5, null, validateOnly: false).Error);
        controller.AlterConfigs(ConfigResourceKind.Broker, "1", [("log.retention.ms", "5000")]);
        Assert.Equal(ErrorCode.None, controller.DeleteTopic(controller.Image.TopicsByName["topic-0"].Id).Error);
        controller.AllocateProducerId();
        Assert.True(controller.Image.NextProducerId > 0);
    }

    private static void CreateTopics(ControllerOverLog controller, string prefix, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var result = controller.CreateTopic(new TopicCreation($"{prefix}-{i}", 2, 1, null, new Dictionary<string, string?>()), validateOnly: false);
            Assert.Equal(ErrorCode.None, result.Error);
        }
    }

    /// <summary>Same offset and the same records written out: topics, ids, partitions, configs, brokers, producer ids.</summary>
    private static void AssertSameImage(MetadataImage expected, MetadataImage actual)
    {
        Assert.Equal(expected.Offset, actual.Offset);
        Assert.Equal(expected.NextProducerId, actual.NextProducerId);
        Assert.Equal(Serialized(expected), Serialized(actual));
    }

    private static List<byte[]> Serialized(MetadataImage image)
    {
        var list = new List<byte[]>();
        foreach (var (record, type, version) in MetadataImageWriter.Records(image))
        {
            list.Add(MetadataRecordSerde.Serialize(record, type, version));
        }

        return list;
    }

    private (MetadataLog Log, ControllerOverLog Controller) Open(int segmentBytes = 1 << 20, long logStartOffset = 0)
    {
        _partitionLog = PartitionLog.Open(LogDir, MetadataLog.Partition, LogConfig.Default with { Internal = true, SegmentBytes = segmentBytes, FileDeleteDelayMs = 0 }, new PartitionLogOptions
        {
            Validator = BatchValidator.Instance,
            Time = _time,
            HadCleanShutdown = true,
            LogStartOffset = logStartOffset,
        });
        var log = new MetadataLog(_partitionLog, _time, _logger);
        _controller?.Dispose();
        _controller = new ControllerOverLog(log, _config, "snapshot-test-cluster");
        _controller.RegisterBroker("127.0.0.1", 9092);
        return (log, _controller);
    }

    private (MetadataLog Log, ControllerOverLog Controller) Reopen(int segmentBytes = 1 << 20, long logStartOffset = 0)
    {
        _partitionLog?.Dispose();
        _partitionLog = null;
        return Open(segmentBytes, logStartOffset);
    }

    /// <summary>
    /// The broker's metadata path over one log, driven synchronously for these tests: a one-voter quorum,
    /// the broker's loader (whose image and ImagePublished hook the snapshotter uses) and the controller.
    /// </summary>
    private sealed class ControllerOverLog : IDisposable
    {
        private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
        private readonly MetadataLoader _loader;
        private readonly QuorumController _controller;
        private long _brokerEpoch = -1;

        public ControllerOverLog(MetadataLog log, BrokerConfig config, string clusterId)
        {
            var quorum = new LocalMetadataQuorum(log);
            _loader = new MetadataLoader(clusterId);
            quorum.Register(_loader);
            _controller = new QuorumController(quorum, config, localCapacity: null);
            quorum.Start();
        }

        public event Action<MetadataImage>? ImagePublished
        {
            add => _loader.ImagePublished += value;
            remove => _loader.ImagePublished -= value;
        }

        public MetadataImage Image => _loader.Image;

        public void RegisterBroker(string host, int port)
        {
            var reply = Wait(_controller.RegisterBrokerAsync(new BrokerRegistrationInfo(1, Guid.NewGuid(), "PLAINTEXT", host, port, null)));
            Assert.Equal(ErrorCode.None, reply.Error);
            _brokerEpoch = reply.BrokerEpoch;
        }

        public TopicCreationResult CreateTopic(TopicCreation creation, bool validateOnly) => Wait(_controller.CreateTopicAsync(creation, validateOnly));

        public (ErrorCode Error, string? Message) CreatePartitions(string topic, int totalCount, IReadOnlyList<int[]>? assignments, bool validateOnly) =>
            Wait(_controller.CreatePartitionsAsync(topic, totalCount, assignments, validateOnly));

        public void AlterConfigs(ConfigResourceKind kind, string resource, IReadOnlyList<(string Name, string? Value)> changes)
        {
            var alterations = new List<ConfigAlteration>();
            foreach (var (name, value) in changes)
            {
                alterations.Add(new ConfigAlteration(name, value is null ? ConfigOperation.Delete : ConfigOperation.Set, value));
            }

            Assert.Equal(ErrorCode.None, Wait(_controller.IncrementalAlterConfigsAsync(kind, resource, alterations, validateOnly: false)).Error);
        }

        public (ErrorCode Error, string? Message) DeleteTopic(Guid topicId) => Wait(_controller.DeleteTopicAsync(topicId));

        public void AllocateProducerId() => Wait(_controller.AllocateProducerIdsAsync(1, _brokerEpoch));

        public void Dispose() => _controller.Dispose();

        private static T Wait<T>(Task<T> task) => task.WaitAsync(Deadline).GetAwaiter().GetResult();
    }

    private sealed class ListLogger : ILogger
    {
        private readonly Lock _lock = new();
        private readonly List<(LogLevel Level, string Message)> _entries = [];

        public List<(LogLevel Level, string Message)> Entries
        {
            get
            {
                lock (_lock)
                {
                    return [.. _entries];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lock)
            {
                _entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
