namespace Weir.Client.Consumer;

/// <summary>What the consumer tracks for one assigned partition. Guarded by the consumer's lock,
/// except <see cref="Position"/>, which only the consuming flow writes.</summary>
internal sealed class PartitionState(TopicPartition partition)
{
    public TopicPartition Partition { get; } = partition;

    /// <summary>The next offset handed to the application; -1 until known.</summary>
    public long Position = -1;

    /// <summary>The next offset to fetch (ahead of <see cref="Position"/> while fetches are buffered).</summary>
    public long FetchPosition = -1;

    /// <summary>Bumped by every seek, pause and reset, so fetches issued before it are dropped.</summary>
    public int Epoch;

    public bool Paused;

    /// <summary>The position must be found (committed offset, else auto.offset.reset).</summary>
    public bool NeedsPosition = true;

    /// <summary>Reset by this strategy (after OFFSET_OUT_OF_RANGE or a seek to beginning/end) instead of the committed offset.</summary>
    public AutoOffsetReset? ResetTo;

    /// <summary>A fetch for this partition is on the wire.</summary>
    public bool InFlight;

    /// <summary>Completed fetches waiting in the buffer.</summary>
    public int Buffered;

    public long HighWatermark = -1;

    /// <summary>False once revoked: its buffered fetches are dropped.</summary>
    public bool Assigned = true;
}
