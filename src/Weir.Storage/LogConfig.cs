using System.Globalization;

namespace Weir.Storage;

/// <summary>
/// A partition log's topic-level configuration, with Kafka's names and code defaults
/// (<c>LogConfig.java</c>, DEFAULTS.md). Immutable; a topic config change swaps the whole object.
/// </summary>
public sealed record LogConfig
{
    public const string SegmentBytesConfig = "segment.bytes";
    public const string SegmentMsConfig = "segment.ms";
    public const string SegmentJitterMsConfig = "segment.jitter.ms";
    public const string SegmentIndexBytesConfig = "segment.index.bytes";
    public const string IndexIntervalBytesConfig = "index.interval.bytes";
    public const string RetentionMsConfig = "retention.ms";
    public const string RetentionBytesConfig = "retention.bytes";
    public const string CleanupPolicyConfig = "cleanup.policy";
    public const string FlushMessagesConfig = "flush.messages";
    public const string FlushMsConfig = "flush.ms";
    public const string MessageTimestampTypeConfig = "message.timestamp.type";
    public const string MessageTimestampBeforeMaxMsConfig = "message.timestamp.before.max.ms";
    public const string MessageTimestampAfterMaxMsConfig = "message.timestamp.after.max.ms";
    public const string MaxMessageBytesConfig = "max.message.bytes";
    public const string FileDeleteDelayMsConfig = "file.delete.delay.ms";
    public const string PreallocateConfig = "preallocate";
    public const string MinInSyncReplicasConfig = "min.insync.replicas";
    public const string CompressionTypeConfig = "compression.type";
    public const string DeleteRetentionMsConfig = "delete.retention.ms";
    public const string MinCompactionLagMsConfig = "min.compaction.lag.ms";
    public const string MaxCompactionLagMsConfig = "max.compaction.lag.ms";
    public const string MinCleanableDirtyRatioConfig = "min.cleanable.dirty.ratio";
    public const string UncleanLeaderElectionEnableConfig = "unclean.leader.election.enable";

    /// <summary>The defaults of a broker with no overrides.</summary>
    public static LogConfig Default { get; } = new();

    public int SegmentBytes { get; init; } = 1073741824;
    public long SegmentMs { get; init; } = 604800000;
    public long SegmentJitterMs { get; init; }
    public int SegmentIndexBytes { get; init; } = 10485760;
    public int IndexIntervalBytes { get; init; } = 4096;
    /// <summary>-1 keeps data forever.</summary>
    public long RetentionMs { get; init; } = 604800000;
    /// <summary>-1 means no size limit.</summary>
    public long RetentionBytes { get; init; } = -1;
    /// <summary>"delete", "compact" or "compact,delete".</summary>
    public string CleanupPolicy { get; init; } = "delete";
    public long FlushMessages { get; init; } = long.MaxValue;
    public long FlushMs { get; init; } = long.MaxValue;
    /// <summary>"CreateTime" or "LogAppendTime".</summary>
    public string MessageTimestampType { get; init; } = "CreateTime";
    public long MessageTimestampBeforeMaxMs { get; init; } = long.MaxValue;
    public long MessageTimestampAfterMaxMs { get; init; } = long.MaxValue;
    public int MaxMessageBytes { get; init; } = 1048588;
    public long FileDeleteDelayMs { get; init; } = 60000;
    public bool Preallocate { get; init; }
    public int MinInSyncReplicas { get; init; } = 1;
    public string CompressionType { get; init; } = "producer";
    public long DeleteRetentionMs { get; init; } = 86400000;
    public long MinCompactionLagMs { get; init; }
    public long MaxCompactionLagMs { get; init; } = long.MaxValue;
    public double MinCleanableDirtyRatio { get; init; } = 0.5;
    public bool UncleanLeaderElectionEnable { get; init; }

    /// <summary>
    /// An internal log its owner opens this way (the cluster metadata log): never shortened by time or
    /// size retention nor by DeleteRecords, whatever retention.ms says, until snapshots replace its
    /// prefix. Not a topic config (no Kafka name), so AlterConfigs can neither set nor clear it.
    /// </summary>
    public bool Internal { get; init; }

    /// <summary>True when <see cref="CleanupPolicy"/> includes "delete" (time/size retention applies).</summary>
    public bool IsDeletePolicy => CleanupPolicy.Contains("delete", StringComparison.Ordinal);

    /// <summary>True when <see cref="CleanupPolicy"/> includes "compact".</summary>
    public bool IsCompactPolicy => CleanupPolicy.Contains("compact", StringComparison.Ordinal);

    /// <summary>True when the broker stamps batches with LogAppendTime.</summary>
    public bool IsLogAppendTime => MessageTimestampType == "LogAppendTime";

    /// <summary>
    /// Applies topic-level overrides (Kafka names) on top of <paramref name="defaults"/>. A bad name or
    /// value is an expected failure (CreateTopics/AlterConfigs answer INVALID_CONFIG), so it returns false
    /// with a message instead of throwing.
    /// </summary>
    public static bool TryApply(LogConfig defaults, IEnumerable<KeyValuePair<string, string>> overrides, out LogConfig config, out string? error)
    {
        config = defaults;
        error = null;
        foreach (var (name, value) in overrides)
        {
            if (!TryApplyOne(config, name, value, out var next, out error))
            {
                config = defaults;
                return false;
            }

            config = next;
        }

        return true;
    }

    private static bool TryApplyOne(LogConfig c, string name, string value, out LogConfig next, out string? error)
    {
        next = c;
        error = null;
        var ok = true;
        switch (name)
        {
            case SegmentBytesConfig: ok = TryInt(value, 14, out var i) && Set(next = c with { SegmentBytes = i }); break;
            case SegmentMsConfig: ok = TryLong(value, 1, out var l) && Set(next = c with { SegmentMs = l }); break;
            case SegmentJitterMsConfig: ok = TryLong(value, 0, out l) && Set(next = c with { SegmentJitterMs = l }); break;
            case SegmentIndexBytesConfig: ok = TryInt(value, 4, out i) && Set(next = c with { SegmentIndexBytes = i }); break;
            case IndexIntervalBytesConfig: ok = TryInt(value, 0, out i) && Set(next = c with { IndexIntervalBytes = i }); break;
            case RetentionMsConfig: ok = TryLong(value, -1, out l) && Set(next = c with { RetentionMs = l }); break;
            case RetentionBytesConfig: ok = TryLong(value, long.MinValue, out l) && Set(next = c with { RetentionBytes = l }); break;
            case FlushMessagesConfig: ok = TryLong(value, 1, out l) && Set(next = c with { FlushMessages = l }); break;
            case FlushMsConfig: ok = TryLong(value, 0, out l) && Set(next = c with { FlushMs = l }); break;
            case MessageTimestampBeforeMaxMsConfig: ok = TryLong(value, 0, out l) && Set(next = c with { MessageTimestampBeforeMaxMs = l }); break;
            case MessageTimestampAfterMaxMsConfig: ok = TryLong(value, 0, out l) && Set(next = c with { MessageTimestampAfterMaxMs = l }); break;
            case MaxMessageBytesConfig: ok = TryInt(value, 0, out i) && Set(next = c with { MaxMessageBytes = i }); break;
            case FileDeleteDelayMsConfig: ok = TryLong(value, 0, out l) && Set(next = c with { FileDeleteDelayMs = l }); break;
            case MinInSyncReplicasConfig: ok = TryInt(value, 1, out i) && Set(next = c with { MinInSyncReplicas = i }); break;
            case DeleteRetentionMsConfig: ok = TryLong(value, 0, out l) && Set(next = c with { DeleteRetentionMs = l }); break;
            case MinCompactionLagMsConfig: ok = TryLong(value, 0, out l) && Set(next = c with { MinCompactionLagMs = l }); break;
            case MaxCompactionLagMsConfig: ok = TryLong(value, 1, out l) && Set(next = c with { MaxCompactionLagMs = l }); break;
            case PreallocateConfig: ok = bool.TryParse(value, out var b) && Set(next = c with { Preallocate = b }); break;
            case UncleanLeaderElectionEnableConfig: ok = bool.TryParse(value, out b) && Set(next = c with { UncleanLeaderElectionEnable = b }); break;
            case MinCleanableDirtyRatioConfig:
                ok = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d is >= 0 and <= 1
                    && Set(next = c with { MinCleanableDirtyRatio = d });
                break;
            case CleanupPolicyConfig:
                var policy = NormalizePolicy(value);
                ok = policy is not null && Set(next = c with { CleanupPolicy = policy });
                break;
            case MessageTimestampTypeConfig:
                ok = value is "CreateTime" or "LogAppendTime" && Set(next = c with { MessageTimestampType = value });
                break;
            case CompressionTypeConfig:
                ok = value is "uncompressed" or "zstd" or "lz4" or "snappy" or "gzip" or "producer"
                    && Set(next = c with { CompressionType = value });
                break;
            default:
                error = $"Unknown topic config name: {name}";
                return false;
        }

        if (!ok)
        {
            error = $"Invalid value {value} for configuration {name}";
        }

        return ok;
    }

    private static bool Set(LogConfig _) => true;

    private static bool TryInt(string s, int min, out int v) =>
        int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out v) && v >= min;

    private static bool TryLong(string s, long min, out long v) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out v) && v >= min;

    private static string? NormalizePolicy(string value)
    {
        var hasDelete = false;
        var hasCompact = false;
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "delete")
            {
                hasDelete = true;
            }
            else if (part == "compact")
            {
                hasCompact = true;
            }
            else
            {
                return null;
            }
        }

        return (hasDelete, hasCompact) switch
        {
            (true, true) => "compact,delete",
            (true, false) => "delete",
            (false, true) => "compact",
            _ => null,
        };
    }
}
