using Weir.Broker.Groups;
using Weir.Broker.Partitions;

namespace Weir.Broker.Metadata;

/// <summary>
/// Brings this broker's components in line with each committed image (Kafka's BrokerMetadataPublisher):
/// the replica manager creates, reconfigures and deletes logs; the group coordinator loads the
/// <c>__consumer_offsets</c> partitions newly led here. Handlers read the image itself.
/// </summary>
public sealed class BrokerMetadataPublisher(ReplicaManager replicas, OffsetsTopic offsetsTopic) : IMetadataPublisher
{
    public string Name => "BrokerMetadataPublisher";

    public void OnMetadataUpdate(MetadataImage previous, MetadataImage image)
    {
        replicas.Apply(image);
        offsetsTopic.OnImage(image);
    }
}
