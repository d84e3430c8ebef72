namespace Weir.Broker.Controller;

/// <summary>One IncrementalAlterConfigs change; <paramref name="Value"/> is null only for <see cref="ConfigOperation.Delete"/>.</summary>
public readonly record struct ConfigAlteration(string Name, ConfigOperation Operation, string? Value);
