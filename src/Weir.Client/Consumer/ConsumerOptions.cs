using System.Globalization;

namespace Weir.Client.Consumer;

/// <summary>Consumer settings with Kafka's names (<see cref="TrySet"/> takes them as Kafka spells them).</summary>
public sealed class ConsumerOptions : ClientOptions
{
    /// <summary><c>group.id</c>: null for a consumer that only assigns partitions manually and never commits.</summary>
    public string? GroupId { get; set; }

    /// <summary><c>group.instance.id</c>: static membership.</summary>
    public string? GroupInstanceId { get; set; }

    /// <summary><c>auto.offset.reset</c> (latest by default, as Kafka).</summary>
    public AutoOffsetReset AutoOffsetReset { get; set; } = AutoOffsetReset.Latest;

    /// <summary><c>enable.auto.commit</c>.</summary>
    public bool EnableAutoCommit { get; set; } = true;

    /// <summary><c>auto.commit.interval.ms</c>.</summary>
    public TimeSpan AutoCommitInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>session.timeout.ms</c>.</summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary><c>heartbeat.interval.ms</c>.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary><c>max.poll.interval.ms</c>: sent as the rebalance timeout.</summary>
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary><c>max.poll.records</c>: most records one <see cref="KafkaConsumer.PollAsync(TimeSpan, CancellationToken)"/> returns.</summary>
    public int MaxPollRecords { get; set; } = 500;

    /// <summary><c>fetch.min.bytes</c>.</summary>
    public int FetchMinBytes { get; set; } = 1;

    /// <summary><c>fetch.max.bytes</c>.</summary>
    public int FetchMaxBytes { get; set; } = 52428800;

    /// <summary><c>max.partition.fetch.bytes</c>.</summary>
    public int MaxPartitionFetchBytes { get; set; } = 1048576;

    /// <summary><c>fetch.max.wait.ms</c>.</summary>
    public TimeSpan FetchMaxWait { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary><c>isolation.level</c>.</summary>
    public IsolationLevel IsolationLevel { get; set; } = IsolationLevel.ReadUncommitted;

    /// <summary><c>partition.assignment.strategy</c>: assignor names in preference order
    /// (range, roundrobin, cooperative-sticky; Java class names are accepted too).</summary>
    public IReadOnlyList<string> PartitionAssignmentStrategy { get; set; } = ["range", "cooperative-sticky"];

    /// <summary><c>client.rack</c>.</summary>
    public string? ClientRack { get; set; }

    /// <summary><c>check.crcs</c>: verify each fetched batch's CRC-32C.</summary>
    public bool CheckCrcs { get; set; } = true;

    /// <summary>
    /// Weir's own (Kafka has no such setting): pass over a batch that is corrupt or lies about its
    /// records instead of failing at it with CORRUPT_MESSAGE. Off by default, as in Kafka: skipping
    /// loses records silently.
    /// </summary>
    public bool SkipCorruptBatches { get; set; }

    /// <summary><c>exclude.internal.topics</c>: a regex subscription never matches __consumer_offsets etc.</summary>
    public bool ExcludeInternalTopics { get; set; } = true;

    /// <inheritdoc/>
    public override bool TrySet(string name, string value)
    {
        switch (name)
        {
            case "group.id": GroupId = value.Length == 0 ? null : value; return true;
            case "group.instance.id": GroupInstanceId = value.Length == 0 ? null : value; return true;
            case "auto.offset.reset": AutoOffsetReset = ParseReset(value); return true;
            case "enable.auto.commit": EnableAutoCommit = bool.Parse(value); return true;
            case "auto.commit.interval.ms": AutoCommitInterval = Millis(value); return true;
            case "session.timeout.ms": SessionTimeout = Millis(value); return true;
            case "heartbeat.interval.ms": HeartbeatInterval = Millis(value); return true;
            case "max.poll.interval.ms": MaxPollInterval = Millis(value); return true;
            case "max.poll.records": MaxPollRecords = Int(value); return true;
            case "fetch.min.bytes": FetchMinBytes = Int(value); return true;
            case "fetch.max.bytes": FetchMaxBytes = Int(value); return true;
            case "max.partition.fetch.bytes": MaxPartitionFetchBytes = Int(value); return true;
            case "fetch.max.wait.ms": FetchMaxWait = Millis(value); return true;
            case "isolation.level": IsolationLevel = ParseIsolation(value); return true;
            case "partition.assignment.strategy":
                PartitionAssignmentStrategy = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                return true;
            case "client.rack": ClientRack = value.Length == 0 ? null : value; return true;
            case "check.crcs": CheckCrcs = bool.Parse(value); return true;
            case "exclude.internal.topics": ExcludeInternalTopics = bool.Parse(value); return true;
            case "key.deserializer" or "value.deserializer" or "allow.auto.create.topics":
                return true; // bytes are handed out as they are; names accepted so Java configs load
            default: return base.TrySet(name, value);
        }
    }

    private static int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture);

    private static AutoOffsetReset ParseReset(string value) => value.Trim().ToLowerInvariant() switch
    {
        "latest" or "largest" => AutoOffsetReset.Latest,
        "earliest" or "smallest" => AutoOffsetReset.Earliest,
        "none" => AutoOffsetReset.None,
        _ => throw new ArgumentException($"Invalid value {value} for configuration auto.offset.reset: must be earliest, latest or none."),
    };

    private static IsolationLevel ParseIsolation(string value) => value.Trim().ToLowerInvariant() switch
    {
        "read_uncommitted" => IsolationLevel.ReadUncommitted,
        "read_committed" => IsolationLevel.ReadCommitted,
        _ => throw new ArgumentException($"Invalid value {value} for configuration isolation.level: must be read_uncommitted or read_committed."),
    };
}
