namespace Weir.Client.Admin;

/// <summary>A config that gives (or would give) the value of another, in precedence order (topic override, broker setting, default).</summary>
public sealed record ConfigSynonym(string Name, string? Value, ConfigSource Source);
