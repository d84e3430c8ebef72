namespace Weir.Storage.Log;

/// <summary>What <see cref="PartitionLog.Open"/> needs besides the directory and config: the checkpointed state and services.</summary>
public sealed record PartitionLogOptions
{
    /// <summary>Validates batches (CRC-32C) during recovery.</summary>
    public required IBatchValidator Validator { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>True when the log dir had the clean-shutdown marker: files are trusted, only indexes are checked.</summary>
    public bool HadCleanShutdown { get; init; }

    /// <summary>From <c>recovery-point-offset-checkpoint</c>; recovery starts at the segment holding it.</summary>
    public long RecoveryPoint { get; init; }

    /// <summary>From <c>log-start-offset-checkpoint</c>.</summary>
    public long LogStartOffset { get; init; }

    /// <summary>Told of every truncation recovery makes (the broker logs a WARN); also counted in <see cref="RecoveryMetrics"/>.</summary>
    public Action<RecoveryTruncation>? OnRecoveryTruncation { get; init; }

    /// <summary>From <c>replication-offset-checkpoint</c>.</summary>
    public long HighWatermark { get; init; }
}
