namespace Weir.Broker.Metadata;

/// <summary>
/// Kafka's MetadataPublisher: given each new broker image with the one before it, so it can act on what
/// changed. Called by the <see cref="MetadataLoader"/> in order, one update at a time.
/// </summary>
public interface IMetadataPublisher
{
    /// <summary>A short name for logs.</summary>
    string Name { get; }

    /// <summary>The image moved from <paramref name="previous"/> to <paramref name="image"/>.</summary>
    void OnMetadataUpdate(MetadataImage previous, MetadataImage image);
}
