using System.Buffers.Binary;
using System.Net.Sockets;
using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;

namespace Weir.Broker.Tests;

/// <summary>A bare TCP connection that sends hand-made or generated Kafka frames and reads raw responses.</summary>
public sealed class RawConnection : IDisposable, IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private int _correlationId;

    private RawConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        _stream.ReadTimeout = 15_000;
    }

    public static async Task<RawConnection> ConnectAsync(System.Net.IPEndPoint endPoint)
    {
        var client = new TcpClient();
        await client.ConnectAsync(endPoint).ConfigureAwait(false);
        return new RawConnection(client);
    }

    /// <summary>Connects from a chosen local address (any of 127.0.0.0/8 on loopback), to test per-IP limits.</summary>
    public static async Task<RawConnection> ConnectFromAsync(System.Net.IPEndPoint endPoint, System.Net.IPAddress local)
    {
        var client = new TcpClient(new System.Net.IPEndPoint(local, 0));
        await client.ConnectAsync(endPoint).ConfigureAwait(false);
        return new RawConnection(client);
    }

    public Task SendRawAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    /// <summary>Encodes header + body for <paramref name="apiKey"/> v<paramref name="version"/> as a framed request.</summary>
    public byte[] Frame(ApiKey apiKey, short version, IKafkaMessage body)
    {
        var headerVersion = ApiKeys.RequestHeaderVersion(apiKey, version);
        var header = new RequestHeader { RequestApiKey = (short)apiKey, RequestApiVersion = version, CorrelationId = ++_correlationId, ClientId = "weir-test" };
        var size = header.ComputeSize(headerVersion) + body.ComputeSize(version);
        var bytes = new byte[4 + size];
        var writer = new KafkaWriter(bytes);
        writer.WriteInt32(size);
        header.Write(ref writer, headerVersion);
        body.Write(ref writer, version);
        return bytes;
    }

    public async Task<TResponse> RequestAsync<TResponse>(ApiKey apiKey, short version, IKafkaMessage body)
        where TResponse : IKafkaMessage<TResponse>
    {
        await SendRawAsync(Frame(apiKey, version, body)).ConfigureAwait(false);
        var frame = await ReadFrameAsync().ConfigureAwait(false) ?? throw new IOException("Connection closed before a response.");
        return Decode<TResponse>(frame, ApiKeys.ResponseHeaderVersion(apiKey, version), version);
    }

    public static TResponse Decode<TResponse>(byte[] frame, short headerVersion, short version)
        where TResponse : IKafkaMessage<TResponse>
    {
        var reader = new KafkaReader(frame);
        ResponseHeader.Read(ref reader, headerVersion);
        return TResponse.Read(ref reader, version);
    }

    /// <summary>Reads one response frame, or null when the broker closed the connection.</summary>
    public async Task<byte[]?> ReadFrameAsync()
    {
        var prefix = new byte[4];
        if (!await ReadExactlyOrEndAsync(prefix).ConfigureAwait(false))
        {
            return null;
        }

        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        return await ReadExactlyOrEndAsync(frame).ConfigureAwait(false) ? frame : null;
    }

    /// <summary>True when the broker closes the connection (rather than answering) within the read timeout.</summary>
    public async Task<bool> IsClosedByPeerAsync()
    {
        try
        {
            return await ReadFrameAsync().ConfigureAwait(false) is null;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private async Task<bool> ReadExactlyOrEndAsync(byte[] buffer)
    {
        // Async reads ignore ReadTimeout: bound them, so a broker that neither answers nor closes
        // fails the test instead of hanging it.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var read = 0;
        while (read < buffer.Length)
        {
            int n;
            try
            {
                n = await _stream.ReadAsync(buffer.AsMemory(read), timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("No response and no close from the broker within 30 s.");
            }

            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }
}
