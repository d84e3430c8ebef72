using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;
using Weir.Protocol.Tests.RoundTrip;

namespace Weir.Protocol.Tests;

/// <summary>Kafka's encoding rules on hand-picked messages, checked byte by byte.</summary>
public class MessageSemanticsTests
{
    private static byte[] Encode(IKafkaMessage message, short version) => RoundTripTests.Encode(message, version);

    private static T Decode<T>(byte[] bytes, short version)
        where T : IKafkaMessage<T>
    {
        var reader = new KafkaReader(bytes.AsMemory());
        var result = T.Read(ref reader, version);
        Assert.Equal(bytes.Length, reader.Position);
        return result;
    }

    [Fact]
    public void Null_and_empty_strings_differ_in_classic_and_compact_encodings()
    {
        // ProduceRequest v3 (classic): TransactionalId is int16 length, -1 for null.
        var request = new ProduceRequest { TransactionalId = null, Acks = 1, TimeoutMs = 2 };
        Assert.Equal(new byte[] { 0xFF, 0xFF }, Encode(request, 3)[..2]);
        Assert.Null(Decode<ProduceRequest>(Encode(request, 3), 3).TransactionalId);
        request.TransactionalId = "";
        Assert.Equal(new byte[] { 0x00, 0x00 }, Encode(request, 3)[..2]);
        Assert.Equal("", Decode<ProduceRequest>(Encode(request, 3), 3).TransactionalId);

        // v9 (flexible): compact length N+1, 0 for null.
        request.TransactionalId = null;
        Assert.Equal(0x00, Encode(request, 9)[0]);
        Assert.Null(Decode<ProduceRequest>(Encode(request, 9), 9).TransactionalId);
        request.TransactionalId = "";
        Assert.Equal(0x01, Encode(request, 9)[0]);
        Assert.Equal("", Decode<ProduceRequest>(Encode(request, 9), 9).TransactionalId);
    }

    [Fact]
    public void Null_and_empty_arrays_differ_in_classic_and_compact_encodings()
    {
        var request = new MetadataRequest { Topics = null };
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, Encode(request, 1)[..4]);
        Assert.Null(Decode<MetadataRequest>(Encode(request, 1), 1).Topics);
        Assert.Equal(0x00, Encode(request, 9)[0]);
        Assert.Null(Decode<MetadataRequest>(Encode(request, 9), 9).Topics);

        request.Topics = [];
        Assert.Equal(new byte[] { 0, 0, 0, 0 }, Encode(request, 1)[..4]);
        Assert.Empty(Decode<MetadataRequest>(Encode(request, 1), 1).Topics!);
        Assert.Equal(0x01, Encode(request, 9)[0]);
        Assert.Empty(Decode<MetadataRequest>(Encode(request, 9), 9).Topics!);
    }

    [Fact]
    public void Null_in_a_version_where_the_field_is_not_nullable_throws()
    {
        var request = new MetadataRequest { Topics = null };
        Assert.Throws<UnsupportedVersionException>(() => Encode(request, 0));

        var produce = new ProduceRequest { TopicData = [new ProduceRequest.TopicProduceData { Name = null! }] };
        Assert.Throws<UnsupportedVersionException>(() => Encode(produce, 9));

        // Reading null where the version does not allow it is malformed input.
        var reader = new KafkaReader(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }.AsMemory());
        try
        {
            MetadataRequest.Read(ref reader, 0);
            Assert.Fail("expected ProtocolException");
        }
        catch (ProtocolException)
        {
        }
    }

    [Fact]
    public void Non_ignorable_non_default_field_missing_from_the_version_throws()
    {
        var request = new ProduceRequest { TransactionalId = "tx" };
        var e = Assert.Throws<UnsupportedVersionException>(() => Encode(request, 2));
        Assert.Contains("TransactionalId", e.Message, StringComparison.Ordinal);
        request.TransactionalId = null;
        Encode(request, 2); // the default is fine
    }

    [Fact]
    public void Ignorable_field_missing_from_the_version_is_dropped()
    {
        var response = new ApiVersionsResponse { ThrottleTimeMs = 100 };
        var bytes = Encode(response, 0);
        Assert.Equal(2 + 4, bytes.Length);
        Assert.Equal(0, Decode<ApiVersionsResponse>(bytes, 0).ThrottleTimeMs);
    }

    [Fact]
    public void Tagged_fields_at_their_default_are_not_written()
    {
        var response = new ApiVersionsResponse();
        Assert.Equal(-1, response.FinalizedFeaturesEpoch);
        // ErrorCode, empty compact array, ThrottleTimeMs, zero tagged fields.
        Assert.Equal(new byte[] { 0, 0, 1, 0, 0, 0, 0, 0 }, Encode(response, 3));

        response.FinalizedFeaturesEpoch = 5;
        var bytes = Encode(response, 3);
        Assert.Equal(new byte[] { 1, 1, 8, 0, 0, 0, 0, 0, 0, 0, 5 }, bytes[7..]);
        Assert.Equal(5, Decode<ApiVersionsResponse>(bytes, 3).FinalizedFeaturesEpoch);
    }

    [Fact]
    public void Unknown_tagged_fields_are_written_in_tag_order_with_known_ones()
    {
        var response = new ApiVersionsResponse
        {
            ZkMigrationReady = true,
            UnknownTaggedFields = [new RawTaggedField(0, [0x01]), new RawTaggedField(9, [0xAB, 0xCD])],
        };
        var bytes = Encode(response, 3);
        // 3 tagged fields: unknown tag 0, known tag 3 (ZkMigrationReady), unknown tag 9.
        Assert.Equal(new byte[] { 3, 0, 1, 0x01, 3, 1, 1, 9, 2, 0xAB, 0xCD }, bytes[7..]);

        // Unknown tags are kept through a read when the version does not know them.
        var header = new ApiVersionsRequest { UnknownTaggedFields = [new RawTaggedField(7, [1, 2, 3])] };
        var decoded = Decode<ApiVersionsRequest>(Encode(header, 3), 3);
        Assert.Equal(header.UnknownTaggedFields, decoded.UnknownTaggedFields);

        // ...and rejected where the version has no tagged-field section.
        Assert.Throws<UnsupportedVersionException>(() => Encode(header, 2));
    }

    [Fact]
    public void ApiVersionsRequest_v3_has_known_bytes()
    {
        var request = new ApiVersionsRequest { ClientSoftwareName = "weir", ClientSoftwareVersion = "1.0" };
        var expected = new byte[] { 5, (byte)'w', (byte)'e', (byte)'i', (byte)'r', 4, (byte)'1', (byte)'.', (byte)'0', 0 };
        Assert.Equal(expected, Encode(request, 3));
        var decoded = Decode<ApiVersionsRequest>(expected, 3);
        Assert.Equal("weir", decoded.ClientSoftwareName);
        Assert.Equal("1.0", decoded.ClientSoftwareVersion);
        // v0-v2 have no fields; the (ignorable) client software fields are dropped.
        Assert.Empty(Encode(request, 2));
    }

    [Fact]
    public void RequestHeader_v2_keeps_a_classic_client_id()
    {
        var header = new RequestHeader { RequestApiKey = 18, RequestApiVersion = 3, CorrelationId = 7, ClientId = "abc" };
        var expected = new byte[] { 0, 18, 0, 3, 0, 0, 0, 7, 0, 3, (byte)'a', (byte)'b', (byte)'c', 0 };
        Assert.Equal(expected, Encode(header, 2));
        Assert.Equal(header, Decode<RequestHeader>(expected, 2));

        header.ClientId = null;
        Assert.Equal(new byte[] { 0, 18, 0, 3, 0, 0, 0, 7, 0xFF, 0xFF, 0 }, Encode(header, 2));
        // v0 has no client id at all.
        Assert.Equal(8, Encode(header, 0).Length);
    }

    [Fact]
    public void Records_are_sliced_from_the_input_not_copied()
    {
        var request = new ProduceRequest
        {
            Acks = -1,
            TopicData = [new ProduceRequest.TopicProduceData { Name = "t", PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = new byte[] { 1, 2, 3 } }] }],
        };
        var bytes = Encode(request, 9);
        var reader = new KafkaReader(bytes.AsMemory());
        var decoded = ProduceRequest.Read(ref reader, 9);
        var records = decoded.TopicData[0].PartitionData[0].Records!.Value;
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(records, out var segment));
        Assert.Same(bytes, segment.Array);
    }

    [Fact]
    public void Schema_defaults_are_applied()
    {
        Assert.Null(new ProduceRequest().TransactionalId);
        var partition = new Weir.Protocol.Metadata.PartitionRecord();
        Assert.Equal(-1, partition.PartitionId);
        Assert.Null(partition.EligibleLeaderReplicas);
        Assert.Empty(partition.Replicas);
        Assert.Equal(int.MaxValue, new FetchRequest().MaxBytes);
    }
}
