using Weir.Protocol;

namespace Weir.Broker.Metadata;

/// <summary>
/// The metadata quorum as the controller and the broker see it (Kafka's RaftClient): the active
/// controller appends, and everyone hears of commits. <see cref="LocalMetadataQuorum"/> is the one-voter
/// quorum; a Raft quorum implements the same two calls, so neither the controller nor the loader changes.
/// </summary>
public interface IMetadataQuorum
{
    /// <summary>Adds a listener; it hears every record committed from the start of the log on.</summary>
    void Register(IMetadataCommitListener listener);

    /// <summary>
    /// Appends one decision as one batch and returns its last offset. The records are not committed by
    /// this call's return: listeners hear of them through <see cref="IMetadataCommitListener.HandleCommit"/>
    /// (on one voter, before this returns). Throws <see cref="Weir.Storage.KafkaStorageException"/> when
    /// nothing could be written.
    /// </summary>
    long Append(IReadOnlyList<(IKafkaMessage Record, short Type, short Version)> records);
}
