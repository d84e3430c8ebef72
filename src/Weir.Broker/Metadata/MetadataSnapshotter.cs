using Microsoft.Extensions.Logging;
using Weir.Broker.Config;

namespace Weir.Broker.Metadata;

/// <summary>
/// Decides when the metadata log gets a snapshot (Kafka's controller SnapshotGenerator): once
/// <c>metadata.log.max.record.bytes.between.snapshots</c> bytes were appended since the last one, or
/// <c>metadata.log.max.snapshot.interval.ms</c> passed with anything appended. Told of every published
/// image; the image is immutable, so it is written on a background task while the controller goes on
/// appending, one snapshot at a time. A failed write is logged as a WARN and the log is kept whole.
/// </summary>
public sealed partial class MetadataSnapshotter
{
    public const string MaxBytesBetweenSnapshotsConfig = "metadata.log.max.record.bytes.between.snapshots";
    public const string MaxIntervalMsConfig = "metadata.log.max.snapshot.interval.ms";

    private readonly MetadataLog _log;
    private readonly long _maxBytes;
    private readonly long _maxIntervalMs;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _bytesAtLastSnapshot;
    private long _lastSnapshotMs;
    private int _writing;
    private Task _pending = Task.CompletedTask;

    public MetadataSnapshotter(MetadataLog log, BrokerConfig config, TimeProvider time, ILogger logger)
        : this(log, config?.GetLong(MaxBytesBetweenSnapshotsConfig) ?? throw new ArgumentNullException(nameof(config)), config.GetLong(MaxIntervalMsConfig), time, logger)
    {
    }

    /// <param name="maxIntervalMs">0 turns the time trigger off, as in Kafka.</param>
    public MetadataSnapshotter(MetadataLog log, long maxBytesBetweenSnapshots, long maxIntervalMs, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytesBetweenSnapshots, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxIntervalMs);
        _log = log;
        _maxBytes = maxBytesBetweenSnapshots;
        _maxIntervalMs = maxIntervalMs;
        _time = time;
        _logger = logger;
        // Kafka counts from when the generator starts; the bytes replayed after the loaded snapshot count.
        _lastSnapshotMs = NowMs;
    }

    /// <summary>The snapshot write in progress, or the last one (completed): for tests and shutdown.</summary>
    public Task Pending => Volatile.Read(ref _pending);

    /// <summary>Subscribed to the controller's published images; returns at once.</summary>
    public void OnImagePublished(MetadataImage image)
    {
        var bytes = _log.AppendedBytes;
        var now = NowMs;
        var since = bytes - Interlocked.Read(ref _bytesAtLastSnapshot);
        var due = since >= _maxBytes || (_maxIntervalMs > 0 && since > 0 && now - Interlocked.Read(ref _lastSnapshotMs) >= _maxIntervalMs);
        if (!due || Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
        {
            return; // a write in progress: the next image after it is checked again
        }

        Interlocked.Exchange(ref _bytesAtLastSnapshot, bytes);
        Interlocked.Exchange(ref _lastSnapshotMs, now);
        Volatile.Write(ref _pending, Task.Run(() => Write(image)));
    }

    private void Write(MetadataImage image)
    {
        try
        {
            if (_log.WriteSnapshot(image) is { } id)
            {
                LogSnapshotWritten(_logger, id.EndOffset, id.Epoch, _log.LogStartOffset);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException or InvalidOperationException)
        {
            LogSnapshotFailed(_logger, image.Offset + 1, e.Message);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrote metadata snapshot at end offset {EndOffset} (epoch {Epoch}); the metadata log now starts at {LogStartOffset}")]
    private static partial void LogSnapshotWritten(ILogger logger, long endOffset, int epoch, long logStartOffset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metadata snapshot at end offset {EndOffset} failed; the metadata log is kept whole until a later one works: {Reason}")]
    private static partial void LogSnapshotFailed(ILogger logger, long endOffset, string reason);
}
