namespace Weir.Broker.Metadata;

/// <summary>
/// Kafka's RaftClient.Listener: told of metadata records once they are committed, in log order, every
/// record exactly once. The controller and the broker's <see cref="MetadataLoader"/> both listen, so
/// each builds its own state from the same committed log, whichever node wrote it.
/// </summary>
public interface IMetadataCommitListener
{
    /// <summary>
    /// Records committed up to <paramref name="lastOffset"/>. Called on the quorum's thread (on one
    /// voter, the thread that appended): a listener hands slow work to its own thread.
    /// </summary>
    void HandleCommit(IReadOnlyList<CommittedRecord> records, long lastOffset);
}
