namespace Weir.Storage;

/// <summary>Settings for <see cref="LogManager.Open"/>.</summary>
public sealed record LogManagerOptions
{
    /// <summary>log.dirs (or log.dir): one or more data directories.</summary>
    public required IReadOnlyList<string> LogDirs { get; init; }

    public required string ClusterId { get; init; }

    public required int NodeId { get; init; }

    /// <summary>Validates batches (CRC-32C) during recovery.</summary>
    public required IBatchValidator Validator { get; init; }

    /// <summary>Broker-level defaults for topics without overrides.</summary>
    public LogConfig DefaultConfig { get; init; } = LogConfig.Default;

    /// <summary>The config of a topic found on disk at startup (overrides from the metadata image); default: <see cref="DefaultConfig"/>.</summary>
    public Func<string, LogConfig>? TopicConfig { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>num.recovery.threads.per.data.dir: partitions of one log dir loaded and recovered at once.</summary>
    public int RecoveryThreadsPerDataDir { get; init; } = 1;

    /// <summary>Told of every truncation recovery makes (the broker logs a WARN).</summary>
    public Action<Weir.Storage.Log.RecoveryTruncation>? OnRecoveryTruncation { get; init; }
}
