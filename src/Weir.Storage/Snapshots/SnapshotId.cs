namespace Weir.Storage.Snapshots;

/// <summary>
/// A snapshot of a log (Kafka's <c>OffsetAndEpoch</c> as a snapshot id): it holds the state after every
/// record below <see cref="EndOffset"/> (exclusive), the last of which was written in <see cref="Epoch"/>.
/// </summary>
public readonly record struct SnapshotId(long EndOffset, int Epoch) : IComparable<SnapshotId>
{
    public int CompareTo(SnapshotId other)
    {
        var byOffset = EndOffset.CompareTo(other.EndOffset);
        return byOffset != 0 ? byOffset : Epoch.CompareTo(other.Epoch);
    }

    public static bool operator <(SnapshotId left, SnapshotId right) => left.CompareTo(right) < 0;

    public static bool operator >(SnapshotId left, SnapshotId right) => left.CompareTo(right) > 0;

    public static bool operator <=(SnapshotId left, SnapshotId right) => left.CompareTo(right) <= 0;

    public static bool operator >=(SnapshotId left, SnapshotId right) => left.CompareTo(right) >= 0;

    public override string ToString() => $"{EndOffset}-{Epoch}";
}
