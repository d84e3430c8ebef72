using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
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
/// <remarks>
/// Memory follows the bytes that arrived, never the size prefix: a partial request stays in the
/// pipe up to <see cref="PipeHeldMax"/>, then moves to a buffer that doubles as more arrives. All of
/// it is reserved from <see cref="RequestMemoryPool"/> (<c>queued.max.request.bytes</c>); when that is
/// used up the connection is not read until memory is returned, so the transport stops reading its
/// socket once its own read buffer is full.
/// </remarks>
public sealed partial class KafkaConnectionHandler(
    IRequestProcessor processor,
    BrokerConfig config,
    IHostApplicationLifetime lifetime,
    RequestMemoryPool memory,
    ConnectionLimits limits,
    ConnectionReaper reaper,
    TimeProvider time,
    ILogger<KafkaConnectionHandler> logger) : ConnectionHandler
{
    /// <summary>
    /// A partial request is left in the pipe (64 KiB blocks, no copy) until this much has arrived,
    /// so an ordinary produce request is copied once, whole, however it was split on the wire.
    /// </summary>
    public const int PipeHeldMax = 1 << 20;

    /// <summary>
    /// A request this small, already received whole, is served even when the memory pool is used up:
    /// its bytes are in memory anyway, and heartbeats, metadata and commits must not wait behind
    /// large produce requests (a member would be dropped from its group).
    /// </summary>
    public const int SmallRequestBytes = 64 * 1024;

    private long _lastRefusalLog;
    private int _refusalsSuppressed;

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var remote = connection.RemoteEndPoint as IPEndPoint;
        var refusal = limits.TryAcquire(remote?.Address, SocketDescriptor(connection));
        if (refusal is not null)
        {
            // Returning closes the socket: the client sees the connection end, as when Kafka refuses it.
            LogRefusalLimited(remote, refusal);
            return;
        }

        try
        {
            await ServeAsync(connection).ConfigureAwait(false);
        }
        finally
        {
            limits.Release(remote?.Address);
        }
    }

    private async Task ServeAsync(ConnectionContext connection)
    {
        var client = new ClientConnection(connection.ConnectionId, connection.RemoteEndPoint);
        var tracked = reaper.Track(connection, client);
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        var maxFrame = config.SocketRequestMaxBytes;
        // Shutdown ends every connection at once (Kestrel would wait its shutdown timeout for them), so
        // a SIGTERM closes the logs cleanly in well under the time `weir start` gives it.
        using var closing = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, lifetime.ApplicationStopping);
        var cancellation = closing.Token;
        long held = 0;
        byte[]? request = null;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(cancellation).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (buffer.IsEmpty)
                {
                    input.AdvanceTo(buffer.Start);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        break;
                    }

                    continue;
                }

                if (tracked.PhaseValue != (int)ConnectionPhase.Receiving)
                {
                    tracked.Enter(ConnectionPhase.Receiving, time.GetTimestamp());
                }

                var length = buffer.Length >= 4 ? ReadLength(buffer, maxFrame) : -1;
                int filled;
                if (length >= 0 && buffer.Length - 4 >= length)
                {
                    // The whole frame is here (the usual case): one copy out of the pipe, so reading
                    // goes on while the request is served (decoded requests slice this buffer).
                    if (length > held && length <= SmallRequestBytes)
                    {
                        memory.ReserveNow(length - held);
                    }
                    else
                    {
                        await Resize(held, length, cancellation).ConfigureAwait(false);
                    }

                    held = length;
                    request = RequestMemoryPool.Rent(length);
                    var frame = buffer.Slice(4, length);
                    frame.CopyTo(request);
                    input.AdvanceTo(frame.End);
                    filled = length;
                }
                else if (buffer.Length < PipeHeldMax || length < 0)
                {
                    // Part of a frame: leave it in the pipe, reserving what it holds.
                    tracked.Progress(length, buffer.Length);
                    if (buffer.Length > held)
                    {
                        if (length <= SmallRequestBytes)
                        {
                            memory.ReserveNow(buffer.Length - held);
                        }
                        else
                        {
                            await Resize(held, buffer.Length, cancellation).ConfigureAwait(false);
                        }

                        held = buffer.Length;
                    }

                    input.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        break;
                    }

                    continue;
                }
                else
                {
                    var pipeHeld = held;
                    held = 0;
                    (request, filled, held) = await ReceiveLargeAsync(input, buffer, length, pipeHeld, tracked, cancellation).ConfigureAwait(false);
                    if (filled < length)
                    {
                        break;
                    }
                }

                memory.EndOverdraft(tracked);
                tracked.Enter(ConnectionPhase.Serving, 0);
                await processor.ProcessAsync(request.AsMemory(0, filled), output, client, cancellation).ConfigureAwait(false);
                memory.Return(request);
                request = null;
                memory.Release(held);
                held = 0;
                tracked.Enter(ConnectionPhase.Idle, time.GetTimestamp());
            }
        }
        catch (ProtocolException ex)
        {
            LogMalformed(logger, client.Id, client.RemoteEndPoint?.ToString(), ex.Message);
        }
        catch (OperationCanceledException)
        {
            // The client went away while a request was waiting (e.g. a long-poll fetch), or the
            // reaper closed the connection (it logged why).
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
            reaper.Untrack(tracked);
            memory.EndOverdraft(tracked);
            if (request is not null)
            {
                memory.Return(request);
            }

            memory.Release(held);
            await input.CompleteAsync().ConfigureAwait(false);
            await output.CompleteAsync().ConfigureAwait(false);
        }

        // Grows (or shrinks) this connection's reservation; waits, muted, while the pool is used up.
        ValueTask Resize(long from, long to, CancellationToken ct)
        {
            if (to < from)
            {
                memory.Release(from - to);
                return ValueTask.CompletedTask;
            }

            return to == from || memory.TryReserve(tracked, to - from) ? ValueTask.CompletedTask : memory.ReserveAsync(tracked, to - from, ct);
        }
    }

    /// <summary>
    /// A frame larger than <see cref="PipeHeldMax"/> still arriving: moves it out of the pipe into a
    /// buffer that doubles as bytes arrive (each step reserved first), consuming the pipe as it goes.
    /// Returns the buffer, how much of the frame it holds (less than the frame when the client went
    /// away) and the bytes reserved.
    /// </summary>
    private async Task<(byte[] Buffer, int Filled, long Held)> ReceiveLargeAsync(
        PipeReader input, ReadOnlySequence<byte> buffer, int length, long held, TrackedConnection tracked, CancellationToken cancellation)
    {
        var received = (int)(buffer.Length - 4);
        byte[]? array = null;
        try
        {
            var capacity = (int)Math.Min(length, 2L * received);
            if (capacity > held)
            {
                await memory.ReserveAsync(tracked, capacity - held, cancellation).ConfigureAwait(false);
            }
            else
            {
                memory.Release(held - capacity);
            }

            held = capacity;
            array = RequestMemoryPool.Rent(capacity);
            buffer.Slice(4).CopyTo(array);
            input.AdvanceTo(buffer.End);
            var filled = received;
            tracked.Progress(length, filled);
            while (filled < length)
            {
                var result = await input.ReadAsync(cancellation).ConfigureAwait(false);
                var more = result.Buffer;
                var take = (int)Math.Min(more.Length, length - filled);
                if (filled + take > array.Length)
                {
                    var grown = (int)Math.Min(length, Math.Max(2L * array.Length, filled + take));
                    await memory.ReserveAsync(tracked, grown - held, cancellation).ConfigureAwait(false);
                    held = grown;
                    var next = RequestMemoryPool.Rent(grown);
                    array.AsSpan(0, filled).CopyTo(next);
                    memory.Return(array);
                    array = next;
                }

                more.Slice(0, take).CopyTo(array.AsSpan(filled));
                filled += take;
                input.AdvanceTo(more.GetPosition(take));
                tracked.Progress(length, filled);
                if (filled < length && (result.IsCompleted || result.IsCanceled))
                {
                    break;
                }
            }

            return (array, filled, held);
        }
        catch
        {
            // The caller handed its reservation over; give back all of it.
            if (array is not null)
            {
                memory.Return(array);
            }

            memory.Release(held);
            throw;
        }
    }

    /// <summary>The frame size in the first four bytes, checked before anything is reserved.</summary>
    private static int ReadLength(ReadOnlySequence<byte> buffer, int maxFrame)
    {
        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        var length = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (length < 0)
        {
            throw new ProtocolException($"Negative frame size {length}.");
        }

        if (length > maxFrame)
        {
            throw new ProtocolException($"Frame of {length} bytes is larger than socket.request.max.bytes ({maxFrame}).");
        }

        return length;
    }

    private static int SocketDescriptor(ConnectionContext connection) =>
        connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket ? (int)socket.SafeHandle.DangerousGetHandle() : 0;

    /// <summary>One line per refused connection, but at most one a second (a flood would drown the log).</summary>
    private void LogRefusalLimited(IPEndPoint? remote, string reason)
    {
        var now = time.GetTimestamp();
        var last = Volatile.Read(ref _lastRefusalLog);
        if ((last != 0 && time.GetElapsedTime(last, now) < TimeSpan.FromSeconds(1)) || Interlocked.CompareExchange(ref _lastRefusalLog, now, last) != last)
        {
            Interlocked.Increment(ref _refusalsSuppressed);
            return;
        }

        LogRefused(logger, remote?.ToString(), reason, Interlocked.Exchange(ref _refusalsSuppressed, 0));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Closing connection {ConnectionId} after an internal error")]
    private static partial void LogFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing connection {ConnectionId} from {Remote}: {Reason}")]
    private static partial void LogMalformed(ILogger logger, string connectionId, string? remote, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused connection from {Remote}: {Reason} ({Suppressed} more refused in the last second, not logged)")]
    private static partial void LogRefused(ILogger logger, string? remote, string reason, int suppressed);
}
