using System.IO.Pipelines;

namespace Weir.Broker.Network;

/// <summary>
/// The seam between the network and the Kafka APIs: takes one request frame (header and body,
/// without the size prefix) and writes the framed response, if any, to the output pipe.
/// Throws <see cref="Protocol.Primitives.ProtocolException"/> for a frame that cannot be answered.
/// </summary>
public interface IRequestProcessor
{
    ValueTask ProcessAsync(ReadOnlyMemory<byte> frame, PipeWriter output, ClientConnection connection, CancellationToken cancellationToken);
}
