namespace Weir.Broker.Metadata;

/// <summary>
/// The broker's own view of the cluster (Kafka's MetadataLoader): it replays committed metadata records
/// into this node's <see cref="MetadataImage"/> and hands each new image to the publishers. It depends on
/// nothing of the controller, so a broker-only node is fed the same way from the replicated log.
/// Handlers read <see cref="Image"/> (Kafka's KRaftMetadataCache reads its image the same way).
/// </summary>
public sealed class MetadataLoader : IMetadataCommitListener
{
    private readonly Lock _lock = new();
    private readonly List<IMetadataPublisher> _publishers = [];
    private MetadataImage _image;

    public MetadataLoader(string clusterId)
    {
        _image = MetadataImage.Empty(clusterId);
    }

    /// <summary>
    /// Raised after the publishers with each new image, on the committing thread, one at a time. The hook
    /// for anything that only needs the image (a snapshot generator subscribes here).
    /// </summary>
    public event Action<MetadataImage>? ImagePublished;

    /// <summary>The latest image; readers take the reference and see one consistent picture without locking.</summary>
    public MetadataImage Image => Volatile.Read(ref _image);

    /// <summary>Adds a publisher and gives it the current image at once (from an empty one), as Kafka does.</summary>
    public void InstallPublisher(IMetadataPublisher publisher)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        lock (_lock)
        {
            _publishers.Add(publisher);
            publisher.OnMetadataUpdate(MetadataImage.Empty(_image.ClusterId), _image);
        }
    }

    /// <inheritdoc/>
    public void HandleCommit(IReadOnlyList<CommittedRecord> records, long lastOffset)
    {
        ArgumentNullException.ThrowIfNull(records);
        lock (_lock)
        {
            var previous = _image;
            var image = previous;
            foreach (var (record, offset) in records)
            {
                image = MetadataDelta.Apply(image, record, offset);
            }

            Volatile.Write(ref _image, image);
            foreach (var publisher in _publishers)
            {
                publisher.OnMetadataUpdate(previous, image);
            }

            ImagePublished?.Invoke(image);
        }
    }
}
