namespace Weir.Storage.Snapshots;

/// <summary>A snapshot file whose bytes are not whole, valid record batches (torn, or a CRC mismatch). Not an IOException: the disk is fine, the content is not.</summary>
public sealed class CorruptSnapshotException : Exception
{
    public CorruptSnapshotException(string message)
        : base(message)
    {
    }

    public CorruptSnapshotException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CorruptSnapshotException()
    {
    }
}
