namespace Weir.Raft;

/// <summary>
/// The replicated log under the quorum (Kafka's ReplicatedLog): record batches (format v2) as on the
/// wire, the leader epoch of each batch kept as the epoch cache. Offsets are record offsets; the end
/// offset is the next offset to be written. The high watermark is kept by <see cref="RaftNode"/>,
/// which learns it again after a restart, as Kafka does.
/// </summary>
public interface IRaftLog
{
    /// <summary>The first offset held (0 until snapshots truncate the front).</summary>
    long StartOffset { get; }

    /// <summary>The next offset to be written.</summary>
    long EndOffset { get; }

    /// <summary>The end offset known to be on disk; what a leader counts as replicated on itself.</summary>
    long FlushedEndOffset { get; }

    /// <summary>The epoch of the last batch, 0 for an empty log.</summary>
    int LastFetchedEpoch { get; }

    /// <summary>
    /// Appends one batch written by this node as leader: its base offset becomes <see cref="EndOffset"/>
    /// and its partition leader epoch <paramref name="epoch"/> (the bytes are patched, CRC unaffected).
    /// </summary>
    void AppendAsLeader(ReadOnlyMemory<byte> batch, int epoch);

    /// <summary>
    /// Appends batches received from the leader; the first must start at <see cref="EndOffset"/>.
    /// Returns the new end offset, or -1 when the batches are not contiguous or do not validate (nothing appended).
    /// </summary>
    long AppendAsFollower(ReadOnlyMemory<byte> batches);

    /// <summary>Removes every batch holding an offset at or past <paramref name="offset"/> (whole batches, as Kafka).</summary>
    void TruncateTo(long offset);

    /// <summary>
    /// The epoch cache lookup: for the largest epoch at or below <paramref name="epoch"/>, that epoch and the
    /// offset where the next larger epoch starts (or the end offset). (StartOffset, 0) when no epoch qualifies.
    /// </summary>
    OffsetAndEpoch EndOffsetForEpoch(int epoch);

    /// <summary>Batches from the one holding <paramref name="offset"/>, at least one, up to about <paramref name="maxBytes"/>.</summary>
    ReadOnlyMemory<byte> Read(long offset, int maxBytes);

    /// <summary>Makes everything appended durable.</summary>
    void Flush();
}
