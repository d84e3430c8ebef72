using System.Collections.Immutable;

namespace Weir.Broker.Metadata;

/// <summary>A topic in the metadata image: name, Kafka topic id and partitions indexed by id.</summary>
public sealed record TopicImage(string Name, Guid Id, ImmutableArray<PartitionRegistration> Partitions)
{
    public bool IsInternal => InternalTopics.IsInternal(Name);
}
