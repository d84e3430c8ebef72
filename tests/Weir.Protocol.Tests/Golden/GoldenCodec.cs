using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;

namespace Weir.Protocol.Tests.Golden;

/// <summary>
/// Decodes a captured frame with the generated classes and checks that writing the decoded
/// messages back gives exactly the captured bytes (size first, then content).
/// </summary>
internal static class GoldenCodec
{
    public static (RequestHeader Header, T Body) ReadRequest<T>(string file, ApiKey apiKey, short apiVersion, short headerVersion)
        where T : IKafkaMessage<T>
    {
        byte[] frame = GoldenFiles.Load(file);
        Assert.Equal(headerVersion, ApiKeys.RequestHeaderVersion(apiKey, apiVersion));

        var reader = new KafkaReader(frame.AsMemory());
        RequestHeader header = RequestHeader.Read(ref reader, headerVersion);
        Assert.Equal((short)apiKey, header.RequestApiKey);
        Assert.Equal(apiVersion, header.RequestApiVersion);
        T body = T.Read(ref reader, header.RequestApiVersion);
        Assert.True(reader.End, $"{reader.Remaining} bytes left after the {typeof(T).Name}");

        AssertRewrite(frame, header, headerVersion, body, apiVersion);
        return (header, body);
    }

    public static (ResponseHeader Header, T Body) ReadResponse<T>(string file, ApiKey apiKey, short apiVersion, short headerVersion)
        where T : IKafkaMessage<T>
    {
        byte[] frame = GoldenFiles.Load(file);
        Assert.Equal(headerVersion, ApiKeys.ResponseHeaderVersion(apiKey, apiVersion));

        var reader = new KafkaReader(frame.AsMemory());
        ResponseHeader header = ResponseHeader.Read(ref reader, headerVersion);
        T body = T.Read(ref reader, apiVersion);
        Assert.True(reader.End, $"{reader.Remaining} bytes left after the {typeof(T).Name}");

        AssertRewrite(frame, header, headerVersion, body, apiVersion);
        return (header, body);
    }

    private static void AssertRewrite(byte[] frame, IKafkaMessage header, short headerVersion, IKafkaMessage body, short apiVersion)
    {
        int size = header.ComputeSize(headerVersion) + body.ComputeSize(apiVersion);
        Assert.Equal(frame.Length, size);

        byte[] written = new byte[size];
        var writer = new KafkaWriter(written);
        header.Write(ref writer, headerVersion);
        body.Write(ref writer, apiVersion);
        Assert.Equal(size, writer.Position);
        Assert.Equal(frame, written);
    }
}
