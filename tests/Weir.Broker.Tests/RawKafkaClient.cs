using System.Buffers.Binary;
using System.Net.Sockets;
using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;

namespace Weir.Broker.Tests;

/// <summary>
/// Sends one request at exact versions with the generated messages, for APIs and versions the
/// installed real clients do not speak (DescribeConfigs v3+, IncrementalAlterConfigs, DescribeCluster).
/// </summary>
public sealed class RawKafkaClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private int _correlationId;

    private RawKafkaClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawKafkaClient> ConnectAsync(System.Net.IPEndPoint endPoint)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(endPoint).ConfigureAwait(false);
        return new RawKafkaClient(tcp);
    }

    public async Task<TResponse> SendAsync<TRequest, TResponse>(ApiKey key, short version, TRequest request)
        where TRequest : IKafkaMessage
        where TResponse : IKafkaMessage<TResponse>
    {
        var header = new RequestHeader { RequestApiKey = (short)key, RequestApiVersion = version, CorrelationId = ++_correlationId, ClientId = "weir-test" };
        var headerVersion = ApiKeys.RequestHeaderVersion(key, version);
        var size = header.ComputeSize(headerVersion) + request.ComputeSize(version);
        var frame = new byte[4 + size];
        BinaryPrimitives.WriteInt32BigEndian(frame, size);
        Write(frame.AsSpan(4), header, headerVersion, request, version);
        await _stream.WriteAsync(frame).ConfigureAwait(false);

        var length = new byte[4];
        await _stream.ReadExactlyAsync(length).ConfigureAwait(false);
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(length)];
        await _stream.ReadExactlyAsync(body).ConfigureAwait(false);
        return Read<TResponse>(body, key, version, _correlationId);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _tcp.Dispose();
    }

    private static void Write(Span<byte> span, RequestHeader header, short headerVersion, IKafkaMessage request, short version)
    {
        var writer = new KafkaWriter(span);
        header.Write(ref writer, headerVersion);
        request.Write(ref writer, version);
    }

    private static TResponse Read<TResponse>(byte[] body, ApiKey key, short version, int correlationId)
        where TResponse : IKafkaMessage<TResponse>
    {
        var reader = new KafkaReader(body);
        var header = ResponseHeader.Read(ref reader, ApiKeys.ResponseHeaderVersion(key, version));
        if (header.CorrelationId != correlationId)
        {
            throw new InvalidOperationException($"Correlation id {header.CorrelationId}, expected {correlationId}.");
        }

        return TResponse.Read(ref reader, version);
    }
}
