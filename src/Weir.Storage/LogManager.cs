using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Weir.Storage.Checkpoints;
using Weir.Storage.Log;

namespace Weir.Storage;

/// <summary>
/// Owns the log dirs (Kafka's <c>LogManager</c>): identity in <c>meta.properties</c>, the clean-shutdown
/// marker, the per-dir checkpoint files, creating, loading and deleting partition logs, and the periodic
/// retention and flush passes the broker drives with timers.
/// </summary>
public sealed class LogManager : IDisposable
{
    public const string CleanShutdownFileName = ".kafka_cleanshutdown";
    public const string DeleteDirSuffix = "-delete";
    public const string FutureDirSuffix = "-future";
    public const string StrayDirSuffix = "-stray";

    private readonly LogManagerOptions _options;
    private readonly ConcurrentDictionary<TopicPartition, (PartitionLog Log, string LogDir)> _logs = new();
    private readonly Dictionary<string, string> _directoryIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _hadCleanShutdown = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Exception> _offlineDirs = new(StringComparer.Ordinal);
    private readonly Lock _createLock = new();
    private bool _shutdown;

    private LogManager(LogManagerOptions options)
    {
        _options = options;
        LogDirs = [.. options.LogDirs.Select(Path.GetFullPath)];
    }

    public IReadOnlyList<string> LogDirs { get; }

    /// <summary>True when every log dir had the clean-shutdown marker at startup.</summary>
    public bool HadCleanShutdown => _hadCleanShutdown.Values.All(v => v);

    /// <summary>The logs currently open.</summary>
    public IReadOnlyCollection<PartitionLog> AllLogs => [.. _logs.Values.Select(v => v.Log)];

    /// <summary>
    /// Told of every storage failure worth a log line: a partition whose appends started failing with a
    /// transient error (disk full, out of file descriptors) or work again, and a log dir going offline.
    /// </summary>
    public event Action<LogDirEvent>? LogDirEvent;

    /// <summary>Log dirs taken offline by an I/O error, with the error; they stay offline until a restart (as Kafka's).</summary>
    public IReadOnlyDictionary<string, Exception> OfflineLogDirs => _offlineDirs;

    /// <summary>directory.id of a log dir, from its meta.properties.</summary>
    public string DirectoryId(string logDir) => _directoryIds[Path.GetFullPath(logDir)];

    /// <summary>
    /// Opens every log dir: checks or writes meta.properties (refusing a different cluster or node id),
    /// consumes the clean-shutdown marker, removes directories left mid-deletion and loads every partition.
    /// </summary>
    /// <exception cref="InvalidDataException">meta.properties disagrees with this node, or a partition is in two dirs.</exception>
    public static LogManager Open(LogManagerOptions options)
    {
        if (options.LogDirs.Count == 0)
        {
            throw new ArgumentException("At least one log dir is needed.", nameof(options));
        }

        var manager = new LogManager(options);
        try
        {
            foreach (var dir in manager.LogDirs)
            {
                try
                {
                    manager.LoadDir(dir);
                }
                catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
                {
                    // Partitions load in parallel: report the first failure as if loading were sequential.
                    var inner = ex.InnerExceptions[0];
                    if (StorageErrors.IsStorageError(inner) && inner is not KafkaStorageException)
                    {
                        throw new KafkaStorageException($"Log dir {dir} cannot be used: {inner.Message}", inner);
                    }

                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(inner).Throw();
                }
                catch (Exception e) when (StorageErrors.IsStorageError(e) && e is not KafkaStorageException)
                {
                    // Kafka would take just this dir offline; here the metadata log may live in it, so start-up
                    // stops, naming the dir and the real cause (a full disk, permissions, a read-only mount).
                    throw new KafkaStorageException($"Log dir {dir} cannot be used: {e.Message}", e);
                }
            }
        }
        catch
        {
            foreach (var (log, _) in manager._logs.Values)
            {
                log.Dispose();
            }

            throw;
        }

        return manager;
    }

    private void LoadDir(string dir)
    {
        Directory.CreateDirectory(dir);
        var meta = MetaProperties.Read(dir);
        if (meta is null)
        {
            meta = new MetaProperties(1, _options.ClusterId, _options.NodeId, KafkaUuid.NewRandom());
            meta.Write(dir);
        }
        else if (meta.ClusterId != _options.ClusterId || meta.NodeId != _options.NodeId)
        {
            throw new InvalidDataException(
                $"{Path.Combine(dir, MetaProperties.FileName)} belongs to cluster {meta.ClusterId} node {meta.NodeId}, not cluster {_options.ClusterId} node {_options.NodeId}.");
        }
        else if (_directoryIds.ContainsValue(meta.DirectoryId))
        {
            throw new InvalidDataException($"{dir} has the same directory.id as another log dir.");
        }

        _directoryIds[dir] = meta.DirectoryId;

        // Consumed at once: a crash while loading must count as unclean next time (KAFKA-10471).
        var marker = Path.Combine(dir, CleanShutdownFileName);
        var clean = File.Exists(marker);
        File.Delete(marker);
        _hadCleanShutdown[dir] = clean;

        var recoveryPoints = ReadCheckpointOrEmpty(Path.Combine(dir, OffsetCheckpointFile.RecoveryPointFileName));
        var logStartOffsets = ReadCheckpointOrEmpty(Path.Combine(dir, OffsetCheckpointFile.LogStartOffsetFileName));
        var highWatermarks = ReadCheckpointOrEmpty(Path.Combine(dir, OffsetCheckpointFile.ReplicationOffsetFileName));
        var partitions = new List<(string Path, TopicPartition TopicPartition)>();
        foreach (var sub in Directory.EnumerateDirectories(dir))
        {
            var name = Path.GetFileName(sub);
            if (name.EndsWith(DeleteDirSuffix, StringComparison.Ordinal))
            {
                Directory.Delete(sub, recursive: true);
                continue;
            }

            if (!TryParseDirName(name, out var tp))
            {
                continue; // -future/-stray replicas and foreign directories are left alone
            }

            partitions.Add((sub, tp));
        }

        // Kafka's num.recovery.threads.per.data.dir: partitions load and recover in parallel, each on one thread.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.RecoveryThreadsPerDataDir) };
        Parallel.ForEach(partitions, parallel, p =>
        {
            var options = new PartitionLogOptions
            {
                Validator = _options.Validator,
                Time = _options.Time,
                HadCleanShutdown = clean,
                RecoveryPoint = recoveryPoints.GetValueOrDefault(p.TopicPartition),
                LogStartOffset = logStartOffsets.GetValueOrDefault(p.TopicPartition),
                HighWatermark = highWatermarks.GetValueOrDefault(p.TopicPartition),
                OnRecoveryTruncation = _options.OnRecoveryTruncation,
            };
            var log = PartitionLog.Open(p.Path, p.TopicPartition, ConfigFor(p.TopicPartition.Topic), options);
            log.StorageFailureHandler = (failed, error) => OnStorageFailure(dir, failed, error);
            if (!_logs.TryAdd(p.TopicPartition, (log, dir)))
            {
                log.Dispose();
                throw new InvalidDataException($"Partition {p.TopicPartition} is in more than one log dir.");
            }
        });
    }

    private static Dictionary<TopicPartition, long> ReadCheckpointOrEmpty(string path)
    {
        try
        {
            return OffsetCheckpointFile.Read(path);
        }
        catch (InvalidDataException)
        {
            // Kafka falls back too: recovery point 0 (full recovery), log start at the first segment.
            return [];
        }
    }

    private LogConfig ConfigFor(string topic) => _options.TopicConfig?.Invoke(topic) ?? _options.DefaultConfig;

    /// <summary>Parses <c>topic-partition</c>; false for names with a <c>.suffix</c> (future, stray, delete) or no partition.</summary>
    public static bool TryParseDirName(string name, out TopicPartition topicPartition)
    {
        topicPartition = default;
        var dash = name.LastIndexOf('-');
        if (dash <= 0 || dash == name.Length - 1
            || !int.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var partition))
        {
            return false;
        }

        topicPartition = new TopicPartition(name[..dash], partition);
        return true;
    }

    public PartitionLog? GetLog(TopicPartition topicPartition) =>
        _logs.TryGetValue(topicPartition, out var entry) ? entry.Log : null;

    /// <summary>Returns the partition's log, creating an empty one in the least-loaded log dir if needed.</summary>
    public PartitionLog GetOrCreateLog(TopicPartition topicPartition, LogConfig? config = null)
    {
        if (_logs.TryGetValue(topicPartition, out var existing))
        {
            return existing.Log;
        }

        lock (_createLock)
        {
            ObjectDisposedException.ThrowIf(_shutdown, this);
            if (_logs.TryGetValue(topicPartition, out existing))
            {
                return existing.Log;
            }

            var dir = LogDirs.Where(d => !_offlineDirs.ContainsKey(d)).MinBy(d => _logs.Values.Count(v => v.LogDir == d))
                ?? throw new KafkaStorageException($"No log dir is online to create {topicPartition} in.");
            var options = new PartitionLogOptions { Validator = _options.Validator, Time = _options.Time, HadCleanShutdown = true };
            var path = Path.Combine(dir, topicPartition.DirectoryName);
            PartitionLog log;
            try
            {
                log = PartitionLog.Open(path, topicPartition, config ?? ConfigFor(topicPartition.Topic), options);
            }
            catch (Exception e) when (StorageErrors.IsStorageError(e))
            {
                // Out of descriptors or space: refuse the partition and leave no half-made directory behind.
                TryDeleteDirectory(path);
                if (!StorageErrors.IsTransient(e))
                {
                    MarkDirOffline(dir, e);
                }

                throw new KafkaStorageException($"Cannot create the log of {topicPartition} in {dir}: {e.Message}", e);
            }

            log.StorageFailureHandler = (failed, error) => OnStorageFailure(dir, failed, error);
            _logs[topicPartition] = (log, dir);
            return log;
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception e) when (StorageErrors.IsStorageError(e))
        {
            // left for the next start-up to ignore (an empty partition dir loads as an empty log)
        }
    }

    private void OnStorageFailure(string dir, PartitionLog log, Exception? error)
    {
        if (error is not null && !StorageErrors.IsTransient(error))
        {
            MarkDirOffline(dir, error);
            return;
        }

        LogDirEvent?.Invoke(new LogDirEvent(error is null ? LogDirEventKind.AppendsRecovered : LogDirEventKind.AppendsFailing, dir, log.TopicPartition, error));
    }

    /// <summary>
    /// Kafka's LogDirFailureChannel: after an I/O error other than a full disk the dir is not trusted any
    /// more: its logs answer KAFKA_STORAGE_ERROR, nothing new is created there, other dirs keep serving.
    /// </summary>
    public void MarkDirOffline(string dir, Exception error)
    {
        dir = Path.GetFullPath(dir);
        if (!_offlineDirs.TryAdd(dir, error))
        {
            return;
        }

        foreach (var (log, logDir) in _logs.Values)
        {
            if (logDir == dir)
            {
                log.MarkOffline();
            }
        }

        LogDirEvent?.Invoke(new LogDirEvent(LogDirEventKind.DirOffline, dir, null, error));
    }

    /// <summary>
    /// Deletes a partition's log: closes it, renames the directory to <c>topic-p.&lt;uuid&gt;-delete</c> (so a
    /// crash leaves it recognisably dead) and removes it. Kafka waits file.delete.delay.ms first; Weir removes at once.
    /// </summary>
    public bool DeleteLog(TopicPartition topicPartition)
    {
        lock (_createLock)
        {
            if (!_logs.TryRemove(topicPartition, out var entry))
            {
                return false;
            }

            entry.Log.Dispose();
            var deleted = Path.Combine(entry.LogDir, $"{topicPartition.DirectoryName}.{Guid.NewGuid():N}{DeleteDirSuffix}");
            try
            {
                Directory.Move(entry.Log.Directory, deleted);
                Directory.Delete(deleted, recursive: true);
            }
            catch (Exception e) when (StorageErrors.IsStorageError(e))
            {
                // The log is closed and forgotten either way; a "-delete" dir left behind goes at the next start.
                LogDirEvent?.Invoke(new LogDirEvent(LogDirEventKind.CloseFailed, entry.LogDir, topicPartition, e));
            }

            return true;
        }
    }

    /// <summary>Deletes every partition of <paramref name="topic"/>; returns how many.</summary>
    public int DeleteTopic(string topic)
    {
        var count = 0;
        foreach (var tp in _logs.Keys)
        {
            if (tp.Topic == topic && DeleteLog(tp))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>One retention pass over every log; returns the number of segments deleted.</summary>
    public int RunRetention(long nowMs)
    {
        var deleted = 0;
        foreach (var (log, _) in _logs.Values)
        {
            deleted += log.RunRetention(nowMs);
        }

        return deleted;
    }

    /// <summary>fsyncs logs whose flush.ms has passed since their last flush (Kafka's <c>flushDirtyLogs</c>).</summary>
    public void FlushDirtyLogs(long nowMs)
    {
        foreach (var (log, _) in _logs.Values)
        {
            if (log.Config.FlushMs != long.MaxValue && nowMs - log.LastFlushTimeMs >= log.Config.FlushMs)
            {
                log.Flush();
            }
        }
    }

    /// <summary>Writes <c>recovery-point-offset-checkpoint</c> and <c>log-start-offset-checkpoint</c> in every dir.</summary>
    public void CheckpointLogOffsets()
    {
        WriteCheckpoint(OffsetCheckpointFile.RecoveryPointFileName, log => log.RecoveryPoint);
        WriteCheckpoint(OffsetCheckpointFile.LogStartOffsetFileName, log => log.LogStartOffset);
    }

    /// <summary>Writes <c>replication-offset-checkpoint</c> (high watermarks) in every dir.</summary>
    public void CheckpointHighWatermarks() =>
        WriteCheckpoint(OffsetCheckpointFile.ReplicationOffsetFileName, log => log.HighWatermark);

    private void WriteCheckpoint(string fileName, Func<PartitionLog, long> offsetOf)
    {
        foreach (var dir in LogDirs)
        {
            if (_offlineDirs.ContainsKey(dir))
            {
                continue;
            }

            var offsets = new Dictionary<TopicPartition, long>();
            foreach (var (tp, (log, logDir)) in _logs)
            {
                if (logDir == dir)
                {
                    offsets[tp] = offsetOf(log);
                }
            }

            OffsetCheckpointFile.Write(Path.Combine(dir, fileName), offsets);
        }
    }

    /// <summary>
    /// Clean shutdown: closes every log (fsync, final index entries, trimmed indexes), writes the
    /// checkpoints and only then the clean-shutdown marker, so a crash before it means recovery.
    /// </summary>
    public void Shutdown()
    {
        lock (_createLock)
        {
            if (_shutdown)
            {
                return;
            }

            _shutdown = true;
        }

        // A dir whose logs cannot all be closed cleanly gets no clean-shutdown marker: its next start
        // recovers. Shutdown itself never fails on a full or broken disk; each failure is reported.
        var unclean = new HashSet<string>(_offlineDirs.Keys, StringComparer.Ordinal);
        foreach (var (log, dir) in _logs.Values)
        {
            try
            {
                log.Close();
            }
            catch (Exception e) when (StorageErrors.IsStorageError(e))
            {
                log.Dispose();
                if (unclean.Add(dir))
                {
                    LogDirEvent?.Invoke(new LogDirEvent(LogDirEventKind.CloseFailed, dir, log.TopicPartition, e));
                }
            }
        }

        foreach (var dir in LogDirs)
        {
            if (unclean.Contains(dir))
            {
                continue;
            }

            try
            {
                WriteDirCheckpoints(dir);
                CheckpointFile.WriteAtomically(Path.Combine(dir, CleanShutdownFileName), Encoding.UTF8.GetBytes("{\"version\":0,\"brokerEpoch\":-1}"));
            }
            catch (Exception e) when (StorageErrors.IsStorageError(e))
            {
                LogDirEvent?.Invoke(new LogDirEvent(LogDirEventKind.CloseFailed, dir, null, e));
            }
        }
    }

    private void WriteDirCheckpoints(string dir)
    {
        var recoveryPoints = new Dictionary<TopicPartition, long>();
        var logStartOffsets = new Dictionary<TopicPartition, long>();
        var highWatermarks = new Dictionary<TopicPartition, long>();
        foreach (var (tp, (log, logDir)) in _logs)
        {
            if (logDir == dir)
            {
                recoveryPoints[tp] = log.RecoveryPoint;
                logStartOffsets[tp] = log.LogStartOffset;
                highWatermarks[tp] = log.HighWatermark;
            }
        }

        OffsetCheckpointFile.Write(Path.Combine(dir, OffsetCheckpointFile.RecoveryPointFileName), recoveryPoints);
        OffsetCheckpointFile.Write(Path.Combine(dir, OffsetCheckpointFile.LogStartOffsetFileName), logStartOffsets);
        OffsetCheckpointFile.Write(Path.Combine(dir, OffsetCheckpointFile.ReplicationOffsetFileName), highWatermarks);
    }

    /// <summary>
    /// Each configured log dir as DescribeLogDirs reports it (Kafka's <c>ReplicaManager.describeLogDirs</c>):
    /// its open logs and the volume's total and usable bytes, or the error that took it offline.
    /// </summary>
    public IReadOnlyList<LogDirStatus> DescribeLogDirs()
    {
        var result = new List<LogDirStatus>(LogDirs.Count);
        foreach (var dir in LogDirs)
        {
            if (_offlineDirs.TryGetValue(dir, out var offline))
            {
                result.Add(new LogDirStatus(dir, offline, -1, -1, []));
                continue;
            }

            long total, usable;
            try
            {
                var drive = new DriveInfo(dir);
                total = drive.TotalSize;
                usable = drive.AvailableFreeSpace;
            }
            catch (Exception e) when (StorageErrors.IsStorageError(e) || e is ArgumentException)
            {
                result.Add(new LogDirStatus(dir, e, -1, -1, []));
                continue;
            }

            var logs = new List<PartitionLog>();
            foreach (var (log, logDir) in _logs.Values)
            {
                if (logDir == dir)
                {
                    logs.Add(log);
                }
            }

            result.Add(new LogDirStatus(dir, null, total, usable, logs));
        }

        return result;
    }

    public void Dispose() => Shutdown();
}

/// <summary>What happened to a log dir or one of its partitions (see <see cref="LogManager.LogDirEvent"/>).</summary>
public enum LogDirEventKind
{
    /// <summary>Appends to the partition started failing with a transient error (disk full, out of descriptors).</summary>
    AppendsFailing,

    /// <summary>Appends to the partition work again.</summary>
    AppendsRecovered,

    /// <summary>The dir went offline after an I/O error.</summary>
    DirOffline,

    /// <summary>A log or the dir's checkpoints could not be written at shutdown or deletion; the next start recovers.</summary>
    CloseFailed,
}

/// <summary>A storage failure worth one log line.</summary>
/// <param name="LogDir">The log dir.</param>
/// <param name="Partition">The partition concerned; null for the whole dir.</param>
/// <param name="Error">The I/O error; null for <see cref="LogDirEventKind.AppendsRecovered"/>.</param>
public readonly record struct LogDirEvent(LogDirEventKind Kind, string LogDir, TopicPartition? Partition, Exception? Error);

/// <summary>A log dir as <see cref="LogManager.DescribeLogDirs"/> sees it.</summary>
/// <param name="Error">Why the dir is offline (or its volume cannot be read); null when it serves.</param>
/// <param name="TotalBytes">Size of the dir's volume; -1 when offline.</param>
/// <param name="UsableBytes">Free bytes this process may use on the volume; -1 when offline.</param>
/// <param name="Logs">The partition logs open in the dir.</param>
public sealed record LogDirStatus(string LogDir, Exception? Error, long TotalBytes, long UsableBytes, IReadOnlyList<PartitionLog> Logs);
