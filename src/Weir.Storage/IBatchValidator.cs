namespace Weir.Storage;

/// <summary>
/// Checks one whole v2 record batch during recovery: Kafka's <c>ensureValid</c> (CRC-32C over
/// attributes..end). Storage already checks size, magic and offsets; this adds the checksum, which
/// lives in Weir.Protocol. The broker wires the real implementation.
/// </summary>
public interface IBatchValidator
{
    /// <param name="batch">Exactly one batch, from baseOffset to its last byte.</param>
    bool IsValid(ReadOnlySpan<byte> batch);
}
