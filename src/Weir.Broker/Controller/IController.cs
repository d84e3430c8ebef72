using Weir.Broker.Metadata;
using Weir.Protocol;

namespace Weir.Broker.Controller;

/// <summary>
/// What a broker asks of the active controller. Every handler goes through this, never through the
/// controller's state: the answer comes once the change is committed to the metadata log, and the
/// broker then reads it from its own image (<see cref="MetadataLoader"/>).
/// <para>
/// <see cref="QuorumController"/> implements it on the node that is the active controller. A node that
/// is not would implement it by forwarding (Kafka's ForwardingManager: the request wrapped in an Envelope,
/// or the controller RPC itself — CreateTopics, AllocateProducerIds, BrokerRegistration — sent over the
/// controller channel to the active controller, retried on NOT_CONTROLLER). Not built yet: Weir has one node.
/// AlterPartition (ISR changes from leaders) and BrokerHeartbeat (fencing) join this interface with replication.
/// </para>
/// </summary>
public interface IController
{
    Task<TopicCreationResult> CreateTopicAsync(TopicCreation creation, bool validateOnly, CancellationToken cancellationToken = default);

    /// <summary>Creates a topic a client asked for that does not exist, with the broker defaults capped at the brokers there are.</summary>
    Task<TopicCreationResult> AutoCreateTopicAsync(string name, int partitions = -1, CancellationToken cancellationToken = default);

    Task<(ErrorCode Error, string? Message)> DeleteTopicAsync(Guid topicId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds partitions up to <paramref name="totalCount"/>, on the given brokers (one replica list per new
    /// partition, all of the same length) or spread like new topics with the topic's replication factor.
    /// </summary>
    Task<(ErrorCode Error, string? Message)> CreatePartitionsAsync(string topic, int totalCount, IReadOnlyList<int[]>? assignments, bool validateOnly, CancellationToken cancellationToken = default);

    /// <summary>AlterConfigs on one resource: its dynamic configs become exactly <paramref name="configs"/>.</summary>
    Task<(ErrorCode Error, string? Message)> ReplaceConfigsAsync(ConfigResourceKind kind, string resource, IReadOnlyList<(string Name, string Value)> configs, bool validateOnly, CancellationToken cancellationToken = default);

    /// <summary>IncrementalAlterConfigs on one resource: SET, DELETE, APPEND and SUBTRACT, all or nothing.</summary>
    Task<(ErrorCode Error, string? Message)> IncrementalAlterConfigsAsync(ConfigResourceKind kind, string resource, IReadOnlyList<ConfigAlteration> alterations, bool validateOnly, CancellationToken cancellationToken = default);

    /// <summary>Kafka's AllocateProducerIds: a block of producer ids for one broker, recorded so no id is handed out twice.</summary>
    Task<ProducerIdBlock> AllocateProducerIdsAsync(int brokerId, long brokerEpoch, CancellationToken cancellationToken = default);

    /// <summary>Kafka's BrokerRegistration: registers (or re-registers, when its endpoint changed) a broker.</summary>
    Task<BrokerRegistrationReply> RegisterBrokerAsync(BrokerRegistrationInfo registration, CancellationToken cancellationToken = default);
}
