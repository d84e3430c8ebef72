using System.Buffers.Binary;
using System.Net.Sockets;
using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;

namespace Weir.Broker.Tests;

/// <summary>
/// A bare Kafka connection for tests: sends one generated request at an exact version and reads
/// the response, so APIs no installed client exposes (DescribeProducers, older versions) get covered.
/// </summary>
public sealed class KafkaWireClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private int _correlationId;

    private KafkaWireClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<KafkaWireClient> ConnectAsync(System.Net.IPEndPoint endPoint)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(endPoint).ConfigureAwait(false);
        return new KafkaWireClient(tcp);
    }

    public async Task<TResponse> SendAsync<TResponse>(ApiKey key, short version, IKafkaMessage request)
        where TResponse : IKafkaMessage<TResponse>
    {
        var correlationId = ++_correlationId;
        var header = new RequestHeader { RequestApiKey = (short)key, RequestApiVersion = version, CorrelationId = correlationId, ClientId = "weir-wire-test" };
        var headerVersion = ApiKeys.RequestHeaderVersion(key, version);
        var size = header.ComputeSize(headerVersion) + request.ComputeSize(version);
        var frame = new byte[4 + size];
        Write(frame, size, header, headerVersion, request, version);
        await _stream.WriteAsync(frame).ConfigureAwait(false);

        var sizeBytes = new byte[4];
        await _stream.ReadExactlyAsync(sizeBytes).ConfigureAwait(false);
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(sizeBytes)];
        await _stream.ReadExactlyAsync(body).ConfigureAwait(false);
        return Read<TResponse>(body, key, version, correlationId);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _tcp.Dispose();
    }

    private static void Write(byte[] frame, int size, RequestHeader header, short headerVersion, IKafkaMessage request, short version)
    {
        var writer = new KafkaWriter(frame);
        writer.WriteInt32(size);
        header.Write(ref writer, headerVersion);
        request.Write(ref writer, version);
    }

    private static TResponse Read<TResponse>(byte[] body, ApiKey key, short version, int correlationId)
        where TResponse : IKafkaMessage<TResponse>
    {
        var reader = new KafkaReader(body);
        var header = ResponseHeader.Read(ref reader, ApiKeys.ResponseHeaderVersion(key, version));
        Assert.Equal(correlationId, header.CorrelationId);
        var response = TResponse.Read(ref reader, version);
        Assert.Equal(body.Length, reader.Position);
        return response;
    }
}
