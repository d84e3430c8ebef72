namespace Weir.Protocol.Primitives;

/// <summary>
/// A tagged field this code does not know (KIP-482). It is kept as raw bytes so that a message
/// that is read and written again carries it unchanged.
/// </summary>
public sealed record RawTaggedField(int Tag, byte[] Data)
{
    public bool Equals(RawTaggedField? other) =>
        other is not null && Tag == other.Tag && Data.AsSpan().SequenceEqual(other.Data);

    public override int GetHashCode() => HashCode.Combine(Tag, Data.Length);
}
