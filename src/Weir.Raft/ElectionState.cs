namespace Weir.Raft;

/// <summary>
/// The election state a voter must not forget across a restart (Kafka's ElectionState): the epoch,
/// the vote cast in it and the leader known for it. -1 means none.
/// </summary>
public sealed record ElectionState(int Epoch, int LeaderId, int VotedId, Guid VotedDirectoryId)
{
    public static ElectionState Initial { get; } = new(0, -1, -1, Guid.Empty);

    public bool HasVoted => VotedId >= 0;

    public bool HasLeader => LeaderId >= 0;
}

/// <summary>
/// Where the election state lives. <see cref="Write"/> must be durable when it returns: a node
/// writes it before it answers a vote or acts in a new epoch, so a restart never votes twice.
/// </summary>
public interface IQuorumStateStore
{
    /// <summary>The last state written, or null on a fresh node.</summary>
    ElectionState? Read();

    void Write(ElectionState state);
}

/// <summary>A store kept in memory: survives a simulated crash because the simulation keeps the object.</summary>
public sealed class MemoryQuorumStateStore : IQuorumStateStore
{
    private ElectionState? _state;

    /// <summary>How many times the state was written (tests use it to see that a rule did or did not persist).</summary>
    public int Writes { get; private set; }

    public ElectionState? Read() => _state;

    public void Write(ElectionState state)
    {
        _state = state;
        Writes++;
    }
}
