namespace Weir.Raft;

/// <summary>An offset with the epoch of the record before it; ordered by epoch, then offset (the log up-to-date rule).</summary>
public readonly record struct OffsetAndEpoch(long Offset, int Epoch) : IComparable<OffsetAndEpoch>
{
    public int CompareTo(OffsetAndEpoch other)
    {
        var byEpoch = Epoch.CompareTo(other.Epoch);
        return byEpoch != 0 ? byEpoch : Offset.CompareTo(other.Offset);
    }

    public static bool operator <(OffsetAndEpoch left, OffsetAndEpoch right) => left.CompareTo(right) < 0;

    public static bool operator >(OffsetAndEpoch left, OffsetAndEpoch right) => left.CompareTo(right) > 0;

    public static bool operator <=(OffsetAndEpoch left, OffsetAndEpoch right) => left.CompareTo(right) <= 0;

    public static bool operator >=(OffsetAndEpoch left, OffsetAndEpoch right) => left.CompareTo(right) >= 0;

    public override string ToString() => $"(offset {Offset}, epoch {Epoch})";
}
