namespace Weir.Protocol;

/// <summary>Which kinds of Kafka server accept an API (the schema's <c>listeners</c>).</summary>
[Flags]
public enum ApiListeners
{
    None = 0,
    ZkBroker = 1,
    Broker = 2,
    Controller = 4,
}
