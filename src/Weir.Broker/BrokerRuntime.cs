using System.Net;
using Microsoft.Extensions.Logging;
using Weir.Broker.Config;
using Weir.Broker.Controller;
using Weir.Broker.Fetch;
using Weir.Broker.Groups;
using Weir.Broker.Metadata;
using Weir.Broker.Partitions;
using Weir.Broker.Producers;
using Weir.Coordinator.Group;
using Weir.Protocol;
using Weir.Storage;

namespace Weir.Broker;

/// <summary>
/// The broker's state, composed once at startup: the logs on disk, the metadata quorum (one voter),
/// the controller that appends to it, the broker's own image fed from its commits, and the partitions
/// this node hosts. Shut down cleanly on dispose.
/// </summary>
public sealed partial class BrokerRuntime : IDisposable
{
    private readonly ILogger<BrokerRuntime> _logger;
    private readonly Timer _housekeeping;
    private readonly Timer _retention;
    private readonly OffsetsTopicStore _groupStore;
    private readonly QuorumController _controller;
    private readonly Guid _incarnationId = Guid.NewGuid();
    private long _brokerEpoch = -1;

    public BrokerRuntime(BrokerConfig config, ILogger<BrokerRuntime> logger, TimeProvider time)
    {
        _logger = logger;
        Config = config;
        Time = time;
        ClusterId = ResolveClusterId(config);
        var logDefaults = LogConfigs.BrokerDefaults(config);
        var metadataLogConfig = MetadataLog.LogConfigFrom(logDefaults);
        Logs = LogManager.Open(new LogManagerOptions
        {
            LogDirs = config.LogDirs,
            ClusterId = ClusterId,
            NodeId = config.NodeId,
            Validator = BatchValidator.Instance,
            DefaultConfig = logDefaults,
            // The metadata log is opened as internal (never deleted by retention) from its first load on.
            TopicConfig = topic => topic == MetadataLog.Partition.Topic ? metadataLogConfig : logDefaults,
            Time = time,
            RecoveryThreadsPerDataDir = config.GetInt("num.recovery.threads.per.data.dir"),
            OnRecoveryTruncation = t => LogRecoveryTruncated(
                logger, t.TopicPartition.ToString(), t.AfterCleanShutdown ? "after a clean shutdown" : "after an unclean shutdown",
                t.NewLogEndOffset, t.RemovedLastOffset, t.RecordsRemoved, t.BytesRemoved, t.SegmentBaseOffset, t.Position, t.SegmentsDeleted),
        });
        Logs.LogDirEvent += OnLogDirEvent;
        var metadataLog = new MetadataLog(Logs.GetOrCreateLog(MetadataLog.Partition, metadataLogConfig), time, logger);
        var quorum = new LocalMetadataQuorum(metadataLog, config.NodeId, time);
        QuorumStatus = quorum;
        // The broker's image is its own, fed from the committed log like a broker-only node's would be. Its
        // loader listens before the controller, so a request that awaited the controller reads its change here.
        Metadata = new MetadataLoader(ClusterId);
        quorum.Register(Metadata);
        Metadata.ImagePublished += new MetadataSnapshotter(metadataLog, config, time, logger).OnImagePublished;
        Replicas = new ReplicaManager(Logs, config, logger);
        _controller = new QuorumController(quorum, config, localCapacity: Replicas);
        Controller = _controller;
        quorum.Start();
        ProducerIds = new ProducerIdManager(Controller, config.NodeId, () => Volatile.Read(ref _brokerEpoch));
        FetchSessions = new FetchSessionCache(config.MaxIncrementalFetchSessionCacheSlots);
        _groupStore = new OffsetsTopicStore(Replicas, config.NodeId, time);
        Groups = new GroupCoordinator(GroupCoordinatorConfigs.From(config, OffsetsTopic.ExistingPartitions(Metadata.Image)), _groupStore, time);
        OffsetsTopic = new OffsetsTopic(Controller, Metadata, Replicas, Groups, config);
        // Given the image replayed at start at once: logs are loaded and led offsets partitions read.
        Metadata.InstallPublisher(new BrokerMetadataPublisher(Replicas, OffsetsTopic));
        // Flush and checkpoints every 30 s at most; retention on Kafka's own cadence
        // (log.retention.check.interval.ms), so old-timestamped data lives as long as it would there.
        var checkpoints = TimeSpan.FromMilliseconds(Math.Clamp(config.GetInt("log.flush.offset.checkpoint.interval.ms"), 1_000, 30_000));
        _housekeeping = new Timer(_ => Housekeeping(), null, checkpoints, checkpoints);
        var retention = TimeSpan.FromMilliseconds(config.LogRetentionCheckIntervalMs);
        _retention = new Timer(_ => Retention(), null, retention, retention);
    }

    public BrokerConfig Config { get; }

    public TimeProvider Time { get; }

    public string ClusterId { get; }

    public LogManager Logs { get; }

    /// <summary>The active controller, as every handler reaches it (on this node; forwarded on a broker-only node).</summary>
    public IController Controller { get; }

    /// <summary>
    /// This broker's metadata image and its publishers. <see cref="MetadataLoader.Image"/> is what handlers
    /// read; <see cref="MetadataLoader.ImagePublished"/> is the hook for anything that follows each image.
    /// </summary>
    public MetadataLoader Metadata { get; }

    /// <summary>The metadata quorum's leader, epoch, high watermark and replicas, for DescribeQuorum.</summary>
    public IQuorumStatus QuorumStatus { get; }

    /// <summary>Producer ids for InitProducerId, in blocks from the controller.</summary>
    public ProducerIdManager ProducerIds { get; }

    /// <summary>This broker's epoch from its registration; -1 until registered.</summary>
    public long BrokerEpoch => Volatile.Read(ref _brokerEpoch);

    public ReplicaManager Replicas { get; }

    /// <summary>Incremental fetch sessions (KIP-227), held in memory only: a restart makes clients start over.</summary>
    public FetchSessionCache FetchSessions { get; }
    /// <summary>The classic group coordinator over this node's <c>__consumer_offsets</c> partitions.</summary>
    public GroupCoordinator Groups { get; }

    /// <summary>Creates <c>__consumer_offsets</c> on first need and loads it into <see cref="Groups"/>.</summary>
    public OffsetsTopic OffsetsTopic { get; }

    /// <summary>Registers this broker with the endpoint clients should use, now that the port is known.</summary>
    public async Task OnListenersBoundAsync(IReadOnlyList<IPEndPoint> bound, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bound);
        var advertised = Config.AdvertisedListeners[0];
        var port = advertised.Port == 0 ? bound[0].Port : advertised.Port;
        var registration = new BrokerRegistrationInfo(Config.NodeId, _incarnationId, Config.ClientListeners[0].Name, advertised.Host, port, Rack: null);
        var reply = await Controller.RegisterBrokerAsync(registration, cancellationToken).ConfigureAwait(false);
        if (reply.Error != ErrorCode.None)
        {
            throw new InvalidOperationException($"Broker {Config.NodeId} could not register with the controller: {reply.Error}.");
        }

        Volatile.Write(ref _brokerEpoch, reply.BrokerEpoch);
    }

    public void Dispose()
    {
        _housekeeping.Dispose();
        _retention.Dispose();
        // Shutdown never crashes on a full or broken disk: each step that fails says why, the rest still run,
        // and the log manager leaves out the clean-shutdown marker where a log could not be closed.
        // The controller first: it is the only writer of the metadata log, which closes with the other logs.
        _controller.Dispose();
        Guard(Groups.Dispose);
        Guard(_groupStore.Dispose);
        Logs.Shutdown();
    }

    private void OnLogDirEvent(LogDirEvent e)
    {
        var partition = e.Partition?.ToString() ?? "-";
        var reason = e.Error?.Message ?? string.Empty;
        switch (e.Kind)
        {
            case LogDirEventKind.DirOffline:
                LogDirOffline(_logger, e.LogDir, reason);
                break;
            case LogDirEventKind.AppendsRecovered:
                LogAppendsRecovered(_logger, partition, e.LogDir);
                break;
            case LogDirEventKind.AppendsFailing when e.Error is not null && StorageErrors.IsDiskFull(e.Error):
                LogDiskFull(_logger, partition, e.LogDir, reason);
                break;
            case LogDirEventKind.AppendsFailing:
                LogAppendsFailing(_logger, partition, e.LogDir, reason);
                break;
            default:
                LogCloseFailed(_logger, e.LogDir, partition, reason);
                break;
        }
    }

    private void Housekeeping() => Guard(() =>
    {
        Logs.FlushDirtyLogs(Time.GetUtcNow().ToUnixTimeMilliseconds());
        Logs.CheckpointLogOffsets();
        Logs.CheckpointHighWatermarks();
    });

    private void Retention() => Guard(() => Logs.RunRetention(Time.GetUtcNow().ToUnixTimeMilliseconds()));

    private void Guard(Action work)
    {
        try
        {
            work();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException or InvalidOperationException)
        {
            LogHousekeepingFailed(_logger, ex.Message);
        }
    }

    private static string ResolveClusterId(BrokerConfig config)
    {
        foreach (var dir in config.LogDirs)
        {
            var meta = MetaProperties.Read(dir);
            if (meta is not null)
            {
                return meta.ClusterId;
            }
        }

        return config.ClusterId ?? KafkaUuid.NewRandom();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovery truncated {Partition} {When}: log end offset now {FromOffset}; removed {Records} records (to offset {ToOffset} as the removed headers claim, -1 if none was readable) and {Bytes} bytes; cut segment {SegmentBaseOffset} at byte {Position}; deleted {SegmentsDeleted} later segments")]
    private static partial void LogRecoveryTruncated(ILogger logger, string partition, string when, long fromOffset, long toOffset, long records, long bytes, long segmentBaseOffset, long position, int segmentsDeleted);

    [LoggerMessage(Level = LogLevel.Error, Message = "Log dir {LogDir} is offline after an I/O error; its partitions answer KAFKA_STORAGE_ERROR until a restart: {Reason}")]
    private static partial void LogDirOffline(ILogger logger, string logDir, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Log dir {LogDir} is full: writes to {Partition} answer KAFKA_STORAGE_ERROR until space is freed: {Reason}")]
    private static partial void LogDiskFull(ILogger logger, string partition, string logDir, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writes to {Partition} in log dir {LogDir} answer KAFKA_STORAGE_ERROR until files can be opened again: {Reason}")]
    private static partial void LogAppendsFailing(ILogger logger, string partition, string logDir, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log dir {LogDir} was not closed cleanly ({Partition}); its next start recovers it: {Reason}")]
    private static partial void LogCloseFailed(ILogger logger, string logDir, string partition, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Writes to {Partition} in log dir {LogDir} work again")]
    private static partial void LogAppendsRecovered(ILogger logger, string partition, string logDir);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log housekeeping failed: {Reason}")]
    private static partial void LogHousekeepingFailed(ILogger logger, string reason);
}
