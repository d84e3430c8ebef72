namespace Weir.Broker.Config;

/// <summary>One config as DescribeConfigs reports it: effective value, where it came from and its synonyms.</summary>
public sealed record DescribedConfig(
    string Name,
    string? Value,
    ConfigSource Source,
    bool ReadOnly,
    bool Sensitive,
    IReadOnlyList<ConfigSynonym> Synonyms,
    ConfigType Type,
    string Documentation);
