using System.Globalization;
using Weir.Protocol.Records;

namespace Weir.Client.Producer;

/// <summary>Producer settings with the Java client's names and defaults (Kafka 4.0).</summary>
public class ProducerOptions : ClientOptions
{
    private short _acks = -1;
    private int _retries = int.MaxValue;
    private int _maxInFlight = 5;

    /// <summary><c>acks</c>: 0 (no response), 1 (leader wrote it) or -1 / all (every in-sync replica). Default all.</summary>
    public short Acks
    {
        get => _acks;
        set
        {
            _acks = value;
            AcksSet = true;
        }
    }

    /// <summary><c>linger.ms</c>: how long a partition's batch waits for more records before it is sent.</summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary><c>batch.size</c>: the size in bytes at which a partition's batch is sent without waiting.</summary>
    public int BatchSize { get; set; } = 16384;

    /// <summary><c>compression.type</c>: none, gzip, snappy, lz4 or zstd.</summary>
    public CompressionType Compression { get; set; } = CompressionType.None;

    /// <summary><c>retries</c>: how often a batch is retried on a retriable error (bounded by delivery.timeout.ms).</summary>
    public int Retries
    {
        get => _retries;
        set
        {
            _retries = value;
            RetriesSet = true;
        }
    }

    /// <summary><c>delivery.timeout.ms</c>: upper bound on the time from produce to success or failure.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary><c>max.in.flight.requests.per.connection</c>.</summary>
    public int MaxInFlightRequestsPerConnection
    {
        get => _maxInFlight;
        set
        {
            _maxInFlight = value;
            MaxInFlightSet = true;
        }
    }

    /// <summary><c>enable.idempotence</c>: null means the Java default (on, unless other settings conflict).</summary>
    public bool? EnableIdempotence { get; set; }

    /// <summary><c>max.block.ms</c>: how long produce may wait for metadata or buffer space.</summary>
    public TimeSpan MaxBlock { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary><c>buffer.memory</c>: bytes of records waiting to be sent before produce blocks.</summary>
    public long BufferMemory { get; set; } = 32 * 1024 * 1024;

    /// <summary><c>max.request.size</c>: the largest record (and request) the producer sends; larger records fail with MESSAGE_TOO_LARGE.</summary>
    public int MaxRequestSize { get; set; } = 1024 * 1024;

    /// <summary><c>partitioner</c>: how keyed records pick a partition. Default: the Java client's murmur2.</summary>
    public Partitioner Partitioner { get; set; } = Partitioner.Murmur2Random;

    /// <summary><c>allow.auto.create.topics</c>: let the broker create a topic on first use (brokers decide too).</summary>
    public bool AllowAutoCreateTopics { get; set; } = true;

    /// <summary>How long DisposeAsync waits for records still queued before failing them.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>True when <c>acks</c> was given explicitly (Java then turns idempotence off rather than overriding it).</summary>
    internal bool AcksSet { get; private set; }

    internal bool RetriesSet { get; private set; }

    internal bool MaxInFlightSet { get; private set; }

    /// <inheritdoc />
    public override bool TrySet(string name, string value)
    {
        switch (name)
        {
            case "acks":
                Acks = value.Trim().ToLowerInvariant() switch
                {
                    "all" or "-1" => -1,
                    "0" => 0,
                    "1" => 1,
                    _ => throw new ArgumentException($"Invalid value {value} for configuration acks: String must be one of: all, -1, 0, 1"),
                };
                return true;
            case "linger.ms": Linger = Millis(value); return true;
            case "batch.size": BatchSize = Int(name, value); return true;
            case "compression.type": Compression = ParseCompression(value); return true;
            case "retries": Retries = Int(name, value); return true;
            case "delivery.timeout.ms": DeliveryTimeout = Millis(value); return true;
            case "max.in.flight.requests.per.connection": MaxInFlightRequestsPerConnection = Int(name, value); return true;
            case "enable.idempotence": EnableIdempotence = Bool(name, value); return true;
            case "max.block.ms": MaxBlock = Millis(value); return true;
            case "buffer.memory": BufferMemory = long.Parse(value, CultureInfo.InvariantCulture); return true;
            case "max.request.size": MaxRequestSize = Int(name, value); return true;
            case "allow.auto.create.topics": AllowAutoCreateTopics = Bool(name, value); return true;
            case "partitioner": Partitioner = ParsePartitioner(value); return true;
            case "close.timeout.ms": CloseTimeout = Millis(value); return true;
            default: return base.TrySet(name, value);
        }
    }

    /// <summary>Parses a compression.type / --compression-codec value.</summary>
    public static CompressionType ParseCompression(string value) => value.Trim().ToLowerInvariant() switch
    {
        "none" or "" => CompressionType.None,
        "gzip" => CompressionType.Gzip,
        "snappy" => CompressionType.Snappy,
        "lz4" => CompressionType.Lz4,
        "zstd" => CompressionType.Zstd,
        _ => throw new ArgumentException($"Invalid value {value} for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd"),
    };

    private static Partitioner ParsePartitioner(string value) => value.Trim() switch
    {
        "murmur2_random" or "default" => Partitioner.Murmur2Random,
        "murmur2" => Partitioner.Murmur2,
        "consistent_random" => Partitioner.ConsistentRandom,
        "consistent" => Partitioner.Consistent,
        "random" => Partitioner.Random,
        _ => throw new ArgumentException($"Invalid value {value} for configuration partitioner: one of murmur2_random, murmur2, consistent_random, consistent, random"),
    };

    private static int Int(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw new ArgumentException($"Invalid value {value} for configuration {name}: Not a number of type INT");

    private static bool Bool(string name, string value) => value.Trim().ToLowerInvariant() switch
    {
        "true" => true,
        "false" => false,
        _ => throw new ArgumentException($"Invalid value {value} for configuration {name}: Expected value to be either true or false"),
    };
}
