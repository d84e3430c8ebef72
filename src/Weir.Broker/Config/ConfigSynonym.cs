namespace Weir.Broker.Config;

/// <summary>One place a config's value could come from, in the order Kafka resolves them.</summary>
public sealed record ConfigSynonym(string Name, string? Value, ConfigSource Source);
