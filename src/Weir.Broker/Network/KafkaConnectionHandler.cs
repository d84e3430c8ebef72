using System.Buffers;
using System.Buffers.Binary;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Weir.Broker.Config;
using Weir.Protocol.Primitives;

namespace Weir.Broker.Network;

/// <summary>
/// Kestrel raw-TCP handler for the Kafka port: reads size-prefixed frames and hands each to the
/// <see cref="IRequestProcessor"/> in order, one at a time per connection, as Kafka does (a
/// connection is muted until its response is sent). A malformed or oversized frame closes the
/// connection with one log line; nothing else is affected.
/// </summary>
public sealed partial class KafkaConnectionHandler(
    IRequestProcessor processor,
    BrokerConfig config,
    IHostApplicationLifetime lifetime,
    ILogger<KafkaConnectionHandler> logger) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var client = new ClientConnection(connection.ConnectionId, connection.RemoteEndPoint);
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        var maxFrame = config.SocketRequestMaxBytes;
        // Shutdown ends every connection at once (Kestrel would wait its shutdown timeout for them), so
        // a SIGTERM closes the logs cleanly in well under the time `weir start` gives it.
        using var closing = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, lifetime.ApplicationStopping);
        var cancellation = closing.Token;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(cancellation).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (TryReadFrame(ref buffer, maxFrame, out var frame, out var frameLength))
                {
                    // Copy the frame out and release it from the pipe, so reading goes on while the
                    // request is served (decoded requests slice this buffer; it is returned after the response).
                    var rented = ArrayPool<byte>.Shared.Rent(frameLength);
                    try
                    {
                        frame.CopyTo(rented);
                        input.AdvanceTo(buffer.Start);
                        await processor.ProcessAsync(rented.AsMemory(0, frameLength), output, client, cancellation).ConfigureAwait(false);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(rented);
                    }

                    continue;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (ProtocolException ex)
        {
            LogMalformed(logger, client.Id, client.RemoteEndPoint?.ToString(), ex.Message);
        }
        catch (OperationCanceledException)
        {
            // The client went away while a request was waiting (e.g. a long-poll fetch).
        }
        catch (ConnectionResetException)
        {
        }
        catch (IOException ex)
        {
            // Resets are caught above; what is left is mostly storage that was not answered with
            // KAFKA_STORAGE_ERROR, and that must not close a connection without a word.
            LogMalformed(logger, client.Id, client.RemoteEndPoint?.ToString(), "I/O error: " + ex.Message);
        }
        catch (Exception ex)
        {
            // A bug while serving one request costs that connection only; the broker stays up.
            LogFailed(logger, client.Id, ex);
        }
        finally
        {
            await input.CompleteAsync().ConfigureAwait(false);
            await output.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes one whole frame off the front of <paramref name="buffer"/>. The size is checked before
    /// anything is allocated, so a bogus 2 GB prefix costs nothing but the connection.
    /// </summary>
    private static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxFrame, out ReadOnlySequence<byte> frame, out int length)
    {
        frame = default;
        length = 0;
        if (buffer.Length < 4)
        {
            return false;
        }

        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        length = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (length < 0)
        {
            throw new ProtocolException($"Negative frame size {length}.");
        }

        if (length > maxFrame)
        {
            throw new ProtocolException($"Frame of {length} bytes is larger than socket.request.max.bytes ({maxFrame}).");
        }

        if (buffer.Length - 4 < length)
        {
            return false;
        }

        frame = buffer.Slice(4, length);
        buffer = buffer.Slice(frame.End);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Closing connection {ConnectionId} after an internal error")]
    private static partial void LogFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing connection {ConnectionId} from {Remote}: {Reason}")]
    private static partial void LogMalformed(ILogger logger, string connectionId, string? remote, string reason);
}
