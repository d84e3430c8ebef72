using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;

namespace Weir.Client.Network;

/// <summary>
/// One TCP connection to one broker. Requests are pipelined: any number may be in flight, each
/// matched to its response by correlation id. API versions are negotiated once, at connect.
/// </summary>
public sealed class BrokerConnection : IAsyncDisposable
{
    /// <summary>Responses larger than this mean a corrupt stream, not a real response.</summary>
    private const int MaxResponseSize = 1 << 30;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<int, TaskCompletionSource<byte[]>> _pending = new();
    private readonly string _clientId;
    private readonly TimeSpan _requestTimeout;
    private readonly short[] _minVersions = new short[ApiKeys.All.Count + 128];
    private readonly short[] _maxVersions = new short[ApiKeys.All.Count + 128];
    private Task _readLoop = Task.CompletedTask;
    private int _correlationId;
    private volatile Exception? _failure;

    private BrokerConnection(Socket socket, BrokerAddress address, int nodeId, ClientOptions options)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024));
        Address = address;
        NodeId = nodeId;
        _clientId = options.ClientId;
        _requestTimeout = options.RequestTimeout;
        Array.Fill(_maxVersions, (short)-1);
    }

    public BrokerAddress Address { get; }

    /// <summary>The broker's node id, or a negative number for a bootstrap connection.</summary>
    public int NodeId { get; }

    /// <summary>False once the connection broke or was closed; the pool then makes a new one.</summary>
    public bool IsHealthy => _failure is null;

    /// <summary>Connects and negotiates API versions.</summary>
    public static async Task<BrokerConnection> ConnectAsync(BrokerAddress address, int nodeId, ClientOptions options, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(options.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(address.Host, address.Port, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                socket.Dispose();
                throw new KafkaException(ErrorCode.NetworkException, $"Cannot connect to broker {address}: {ex.Message}. Is a broker running there?", ex);
            }
        }

        var connection = new BrokerConnection(socket, address, nodeId, options);
        connection._readLoop = Task.Run(connection.ReadLoopAsync, CancellationToken.None);
        try
        {
            await connection.NegotiateVersionsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return connection;
    }

    /// <summary>The highest version both sides speak, capped at <paramref name="clientMax"/>, or -1 if none.</summary>
    public short Version(ApiKey apiKey, short clientMax, short clientMin = 0)
    {
        var key = (int)apiKey;
        if (key < 0 || key >= _maxVersions.Length || _maxVersions[key] < 0)
        {
            return -1;
        }

        var version = Math.Min(clientMax, _maxVersions[key]);
        return version >= Math.Max(clientMin, _minVersions[key]) ? version : (short)-1;
    }

    /// <summary>Like <see cref="Version"/>, but throws UNSUPPORTED_VERSION naming the API when there is no common version.</summary>
    public short RequireVersion(ApiKey apiKey, short clientMax, short clientMin = 0)
    {
        var version = Version(apiKey, clientMax, clientMin);
        return version >= 0
            ? version
            : throw new KafkaException(ErrorCode.UnsupportedVersion, $"Broker {Address} does not support {apiKey} versions {clientMin}-{clientMax}");
    }

    /// <summary>Sends a request and decodes its response.</summary>
    public async Task<TResponse> SendAsync<TResponse>(ApiKey apiKey, short version, IKafkaMessage request, CancellationToken cancellationToken = default)
        where TResponse : IKafkaMessage<TResponse>
    {
        var frame = await SendForFrameAsync(apiKey, version, request, expectResponse: true, cancellationToken).ConfigureAwait(false);
        return Decode<TResponse>(frame!, apiKey, version);
    }

    /// <summary>Sends a request that gets no response (Produce with acks=0).</summary>
    public Task SendOneWayAsync(ApiKey apiKey, short version, IKafkaMessage request, CancellationToken cancellationToken = default) =>
        SendForFrameAsync(apiKey, version, request, expectResponse: false, cancellationToken);

    private static TResponse Decode<TResponse>(byte[] frame, ApiKey apiKey, short version)
        where TResponse : IKafkaMessage<TResponse>
    {
        var reader = new KafkaReader(frame);
        ResponseHeader.Read(ref reader, ApiKeys.ResponseHeaderVersion(apiKey, version));
        return TResponse.Read(ref reader, version);
    }

    private async Task<byte[]?> SendForFrameAsync(ApiKey apiKey, short version, IKafkaMessage request, bool expectResponse, CancellationToken cancellationToken)
    {
        ThrowIfFailed();
        var correlationId = Interlocked.Increment(ref _correlationId);
        var header = new RequestHeader { RequestApiKey = (short)apiKey, RequestApiVersion = version, CorrelationId = correlationId, ClientId = _clientId };
        var headerVersion = ApiKeys.RequestHeaderVersion(apiKey, version);
        var size = header.ComputeSize(headerVersion) + request.ComputeSize(version);
        var buffer = ArrayPool<byte>.Shared.Rent(4 + size);
        TaskCompletionSource<byte[]>? pending = null;
        try
        {
            var writer = new KafkaWriter(buffer.AsSpan(0, 4 + size));
            writer.WriteInt32(size);
            header.Write(ref writer, headerVersion);
            request.Write(ref writer, version);
            if (expectResponse)
            {
                pending = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
                _pending[correlationId] = pending;
            }

            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                ThrowIfFailed();
                await _stream.WriteAsync(buffer.AsMemory(0, 4 + size), CancellationToken.None).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                Fail(ex);
                throw Broken(ex);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        catch
        {
            _pending.TryRemove(correlationId, out _);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (pending is null)
        {
            return null;
        }

        try
        {
            return await pending.Task.WaitAsync(_requestTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _pending.TryRemove(correlationId, out _);
            throw new KafkaException(ErrorCode.RequestTimedOut, $"No response to {apiKey} from broker {Address} within {_requestTimeout.TotalMilliseconds:0} ms");
        }
        catch (OperationCanceledException)
        {
            _pending.TryRemove(correlationId, out _);
            throw;
        }
    }

    private async Task NegotiateVersionsAsync(CancellationToken cancellationToken)
    {
        // Ask with v3 (flexible, carries our name); a broker that does not know v3 answers
        // UNSUPPORTED_VERSION in the v0 layout with its own range, so we retry with v0.
        _minVersions[(int)ApiKey.ApiVersions] = 0;
        _maxVersions[(int)ApiKey.ApiVersions] = 3;
        var request = new ApiVersionsRequest { ClientSoftwareName = "weir-client", ClientSoftwareVersion = ClientVersion };
        var frame = await SendForFrameAsync(ApiKey.ApiVersions, 3, request, expectResponse: true, cancellationToken).ConfigureAwait(false);
        var reader = new KafkaReader(frame!);
        ResponseHeader.Read(ref reader, 0);
        var errorCode = BinaryPrimitives.ReadInt16BigEndian(frame.AsSpan(4));
        var version = errorCode == (short)ErrorCode.UnsupportedVersion ? (short)0 : (short)3;
        var response = ApiVersionsResponse.Read(ref reader, version);
        if (version == 0)
        {
            frame = await SendForFrameAsync(ApiKey.ApiVersions, 0, new ApiVersionsRequest(), expectResponse: true, cancellationToken).ConfigureAwait(false);
            response = Decode<ApiVersionsResponse>(frame!, ApiKey.ApiVersions, 0);
        }

        KafkaException.ThrowIfError(response.ErrorCode, $"ApiVersions from broker {Address}");
        foreach (var range in response.ApiKeys)
        {
            if (range.ApiKey >= 0 && range.ApiKey < _maxVersions.Length)
            {
                _minVersions[range.ApiKey] = range.MinVersion;
                _maxVersions[range.ApiKey] = range.MaxVersion;
            }
        }
    }

    private static string ClientVersion => typeof(BrokerConnection).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                while (TryReadFrame(ref buffer, out var frame))
                {
                    Dispatch(frame);
                }

                _reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    Fail(new IOException($"Broker {Address} closed the connection."));
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException or KafkaException)
        {
            Fail(ex);
        }
    }

    private bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame)
    {
        frame = default;
        if (buffer.Length < 4)
        {
            return false;
        }

        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        var size = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (size < 4 || size > MaxResponseSize)
        {
            throw new KafkaException(ErrorCode.NetworkException, $"Broker {Address} sent a response of {size} bytes: the stream is corrupt.");
        }

        if (buffer.Length < 4 + size)
        {
            return false;
        }

        frame = buffer.Slice(4, size);
        buffer = buffer.Slice(4 + size);
        return true;
    }

    private void Dispatch(ReadOnlySequence<byte> frame)
    {
        Span<byte> idBytes = stackalloc byte[4];
        frame.Slice(0, 4).CopyTo(idBytes);
        var correlationId = BinaryPrimitives.ReadInt32BigEndian(idBytes);
        if (_pending.TryRemove(correlationId, out var pending))
        {
            // Responses own their bytes: fetched records are slices of this array.
            // Uninitialized: every byte is overwritten, and zeroing a 1 MiB fetch response costs as much as copying it.
            var bytes = GC.AllocateUninitializedArray<byte>((int)frame.Length);
            frame.CopyTo(bytes);
            pending.TrySetResult(bytes);
        }
    }

    private void Fail(Exception reason)
    {
        _failure ??= reason;
        foreach (var correlationId in _pending.Keys)
        {
            if (_pending.TryRemove(correlationId, out var pending))
            {
                pending.TrySetException(Broken(reason));
            }
        }
    }

    private KafkaException Broken(Exception reason) =>
        new(ErrorCode.NetworkException, $"Connection to broker {Address} lost: {reason.Message}", reason);

    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw Broken(failure);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Fail(new ObjectDisposedException(nameof(BrokerConnection), "The connection was closed by the client."));
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already gone.
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
        await _readLoop.ConfigureAwait(false);
        await _reader.CompleteAsync().ConfigureAwait(false);
        _writeLock.Dispose();
    }
}
