using System.Collections.Immutable;

namespace Weir.Broker.Metadata;

/// <summary>
/// The cluster as of one offset of the metadata log. Immutable: readers take a reference and
/// see a consistent picture while the controller publishes the next one.
/// </summary>
public sealed record MetadataImage(
    string ClusterId,
    long Offset,
    ImmutableDictionary<string, TopicImage> TopicsByName,
    ImmutableDictionary<Guid, TopicImage> TopicsById,
    ImmutableDictionary<(ConfigResourceKind Kind, string Name), ImmutableDictionary<string, string>> Configs,
    ImmutableDictionary<int, BrokerRegistration> Brokers,
    long NextProducerId)
{
    public static MetadataImage Empty(string clusterId) => new(
        clusterId,
        -1,
        ImmutableDictionary.Create<string, TopicImage>(StringComparer.Ordinal),
        ImmutableDictionary<Guid, TopicImage>.Empty,
        ImmutableDictionary<(ConfigResourceKind, string), ImmutableDictionary<string, string>>.Empty,
        ImmutableDictionary<int, BrokerRegistration>.Empty,
        0);

    public ImmutableDictionary<string, string> ConfigsOf(ConfigResourceKind kind, string name) =>
        Configs.TryGetValue((kind, name), out var c) ? c : ImmutableDictionary<string, string>.Empty;
}
