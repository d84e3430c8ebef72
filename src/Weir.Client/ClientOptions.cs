namespace Weir.Client;

/// <summary>Settings every Weir client (producer, consumer, admin) shares; names follow Kafka's client configs.</summary>
public class ClientOptions
{
    /// <summary><c>bootstrap.servers</c>: "host:port[,host:port...]".</summary>
    public string BootstrapServers { get; set; } = "localhost:9092";

    /// <summary><c>client.id</c>: shown in broker logs and consumer-group descriptions.</summary>
    public string ClientId { get; set; } = "weir-client";

    /// <summary><c>request.timeout.ms</c>: how long to wait for any one response.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>socket.connection.setup.timeout.ms</c>.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><c>metadata.max.age.ms</c>: refresh metadata at least this often.</summary>
    public TimeSpan MetadataMaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary><c>retry.backoff.ms</c>: pause before retrying a retriable failure.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Applies Kafka-named client properties (bootstrap.servers, client.id, request.timeout.ms, ...).
    /// Returns false for a name this type does not know so callers can try their own.</summary>
    public virtual bool TrySet(string name, string value)
    {
        switch (name)
        {
            case "bootstrap.servers": BootstrapServers = value; return true;
            case "client.id": ClientId = value; return true;
            case "request.timeout.ms": RequestTimeout = Millis(value); return true;
            case "socket.connection.setup.timeout.ms": ConnectTimeout = Millis(value); return true;
            case "metadata.max.age.ms": MetadataMaxAge = Millis(value); return true;
            case "retry.backoff.ms": RetryBackoff = Millis(value); return true;
            default: return false;
        }
    }

    /// <summary>Parses a millisecond count as Kafka's configs give it.</summary>
    protected static TimeSpan Millis(string value) =>
        TimeSpan.FromMilliseconds(long.Parse(value, System.Globalization.CultureInfo.InvariantCulture));
}
