using System.Buffers;

namespace Weir.Protocol.Records;

/// <summary>
/// Records whose bytes are produced only when a message is written (e.g. a range of a segment
/// file): wrap one as <see cref="MemoryManager{T}.Memory"/> and put it in a records field, and the
/// message writer fills the response buffer straight from the source, with no managed copy in
/// between. Reading the memory's span elsewhere (cold paths, tests) materialises it once.
/// </summary>
public abstract class DeferredRecords(int length) : MemoryManager<byte>
{
    private byte[]? _materialised;

    /// <summary>The number of bytes the records occupy; fixed, since the response is sized before it is written.</summary>
    public int Length { get; } = length;

    /// <summary>
    /// Writes exactly <see cref="Length"/> bytes into <paramref name="destination"/>. A source that
    /// turns out shorter (e.g. a truncated file) fills the rest with zeros: readers see a partial
    /// batch at the end, which Kafka clients ignore.
    /// </summary>
    public abstract void CopyTo(Span<byte> destination);

    public override Span<byte> GetSpan()
    {
        if (_materialised is null)
        {
            var bytes = new byte[Length];
            CopyTo(bytes);
            _materialised = bytes;
        }

        return _materialised;
    }

    public override MemoryHandle Pin(int elementIndex = 0) =>
        throw new NotSupportedException("Deferred records are written by the message writer, not pinned.");

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
