namespace Weir.Broker.Config;

/// <summary>A configuration that cannot start a broker: the message names the setting and what to do.</summary>
public sealed class ConfigException(string message) : Exception(message);
