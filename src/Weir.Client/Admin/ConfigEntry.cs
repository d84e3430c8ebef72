namespace Weir.Client.Admin;

/// <summary>One config of a resource as the broker describes it.</summary>
public sealed record ConfigEntry(
    string Name,
    string? Value,
    ConfigSource Source,
    bool IsDefault,
    bool IsSensitive,
    bool IsReadOnly,
    IReadOnlyList<ConfigSynonym> Synonyms);
