using Weir.Protocol.Messages;
using Weir.Protocol.Records;

namespace Weir.Protocol.Tests.Golden;

/// <summary>
/// Requests kcat 1.7.1 (librdkafka 2.0.2) sent to librdkafka's mock cluster (Golden/README.md):
/// each decodes to the values tshark decoded independently, and re-encodes to the same bytes.
/// </summary>
public sealed class GoldenRequestTests
{
    private const string ClientId = "kcat-golden";
    private const string GroupId = "golden-group";
    private const string MemberId = KcatGroupProtocol.MemberId;

    [Fact]
    public void ApiVersionsV3UsesTheFlexibleHeaderWithAClassicClientId()
    {
        (RequestHeader header, ApiVersionsRequest body) =
            GoldenCodec.ReadRequest<ApiVersionsRequest>("kcat-apiversions-v3.request.bin", ApiKey.ApiVersions, 3, headerVersion: 2);

        Assert.Equal(1, header.CorrelationId);
        Assert.Equal(ClientId, header.ClientId);
        Assert.Empty(header.UnknownTaggedFields ?? []);
        Assert.Equal("librdkafka", body.ClientSoftwareName);
        Assert.Equal("2.0.2", body.ClientSoftwareVersion);
        Assert.Empty(body.UnknownTaggedFields ?? []);
    }

    [Fact]
    public void ApiVersionsV0HasAnEmptyBody()
    {
        (RequestHeader header, ApiVersionsRequest _) =
            GoldenCodec.ReadRequest<ApiVersionsRequest>("kcat-apiversions-v0.request.bin", ApiKey.ApiVersions, 0, headerVersion: 1);

        Assert.Equal(2, header.CorrelationId);
        Assert.Equal(ClientId, header.ClientId);
    }

    [Fact]
    public void MetadataV2BrokersOnlyRefreshSendsAnEmptyTopicArray()
    {
        (RequestHeader header, MetadataRequest body) =
            GoldenCodec.ReadRequest<MetadataRequest>("kcat-metadata-v2.request.bin", ApiKey.Metadata, 2, headerVersion: 1);

        Assert.Equal(3, header.CorrelationId);
        Assert.Equal(ClientId, header.ClientId);
        Assert.NotNull(body.Topics);
        Assert.Empty(body.Topics);
        Assert.True(body.AllowAutoTopicCreation); // v4+ field: its default applies
    }

    [Fact]
    public void MetadataV2ListingAsksForAllTopicsWithANullArray()
    {
        (RequestHeader header, MetadataRequest body) =
            GoldenCodec.ReadRequest<MetadataRequest>("kcat-metadata-v2-alltopics.request.bin", ApiKey.Metadata, 2, headerVersion: 1);

        Assert.Equal(4, header.CorrelationId);
        Assert.Equal(ClientId, header.ClientId);
        Assert.Null(body.Topics);
    }

    public static TheoryData<string, CompressionType, int, int, uint, long> ProduceFrames => new()
    {
        // codec, codec id, records bytes, batchLength, CRC-32C, first (= max) timestamp
        { "none", CompressionType.None, 333, 321, 0x237361c5, 1795311965674 },
        { "gzip", CompressionType.Gzip, 197, 185, 0xfaa5457b, 1795311966930 },
        { "snappy", CompressionType.Snappy, 190, 178, 0x8a6a00cb, 1795311968192 },
        { "lz4", CompressionType.Lz4, 209, 197, 0x22c2372b, 1795311969448 },
        { "zstd", CompressionType.Zstd, 192, 180, 0x81735cac, 1795311970708 },
    };

    [Theory]
    [MemberData(nameof(ProduceFrames))]
    public void ProduceV7CarriesTheKcatRecords(string codecName, CompressionType codec, int recordsLength, int batchLength, uint crc, long timestamp)
    {
        (RequestHeader header, ProduceRequest body) =
            GoldenCodec.ReadRequest<ProduceRequest>($"kcat-produce-v7-{codecName}.request.bin", ApiKey.Produce, 7, headerVersion: 1);

        Assert.Equal(4, header.CorrelationId);
        Assert.Equal(ClientId, header.ClientId);
        Assert.Null(body.TransactionalId);
        Assert.Equal((short)-1, body.Acks);
        Assert.Equal(30000, body.TimeoutMs);
        ProduceRequest.TopicProduceData topic = Assert.Single(body.TopicData);
        Assert.Equal("golden", topic.Name);
        ProduceRequest.PartitionProduceData partition = Assert.Single(topic.PartitionData);
        Assert.Equal(0, partition.Index);
        Assert.NotNull(partition.Records);
        Assert.Equal(recordsLength, partition.Records.Value.Length);

        KcatRecords.AssertSingleBatch(partition.Records.Value.Span, codec, codecName, batchLength, crc, timestamp);
    }

    [Fact]
    public void ListOffsetsV2AsksForTheEarliestOffset()
    {
        (RequestHeader header, ListOffsetsRequest body) =
            GoldenCodec.ReadRequest<ListOffsetsRequest>("kcat-listoffsets-v2.request.bin", ApiKey.ListOffsets, 2, headerVersion: 1);

        Assert.Equal(5, header.CorrelationId);
        Assert.Equal(ClientId, header.ClientId);
        Assert.Equal(-1, body.ReplicaId);
        Assert.Equal((sbyte)1, body.IsolationLevel);
        ListOffsetsRequest.ListOffsetsTopic topic = Assert.Single(body.Topics);
        Assert.Equal("golden", topic.Name);
        ListOffsetsRequest.ListOffsetsPartition partition = Assert.Single(topic.Partitions);
        Assert.Equal(0, partition.PartitionIndex);
        Assert.Equal(-2L, partition.Timestamp);
    }

    [Fact]
    public void FetchV11ReadsPartitionZeroFromTheStart()
    {
        (RequestHeader header, FetchRequest body) =
            GoldenCodec.ReadRequest<FetchRequest>("kcat-fetch-v11.request.bin", ApiKey.Fetch, 11, headerVersion: 1);

        Assert.Equal(6, header.CorrelationId);
        Assert.Equal(ClientId, header.ClientId);
        Assert.Equal(-1, body.ReplicaId);
        Assert.Equal(500, body.MaxWaitMs);
        Assert.Equal(1, body.MinBytes);
        Assert.Equal(52428800, body.MaxBytes);
        Assert.Equal((sbyte)1, body.IsolationLevel);
        Assert.Equal(0, body.SessionId);
        Assert.Equal(-1, body.SessionEpoch);
        FetchRequest.FetchTopic topic = Assert.Single(body.Topics);
        Assert.Equal("golden", topic.Topic);
        FetchRequest.FetchPartition partition = Assert.Single(topic.Partitions);
        Assert.Equal(0, partition.Partition);
        Assert.Equal(-1, partition.CurrentLeaderEpoch);
        Assert.Equal(0L, partition.FetchOffset);
        Assert.Equal(-1L, partition.LogStartOffset);
        Assert.Equal(1048576, partition.PartitionMaxBytes);
        Assert.Empty(body.ForgottenTopicsData);
        Assert.Equal("", body.RackId);
    }

    [Fact]
    public void FindCoordinatorV2LooksUpTheGroup()
    {
        (RequestHeader header, FindCoordinatorRequest body) =
            GoldenCodec.ReadRequest<FindCoordinatorRequest>("kcat-findcoordinator-v2.request.bin", ApiKey.FindCoordinator, 2, headerVersion: 1);

        Assert.Equal(4, header.CorrelationId);
        Assert.Equal(ClientId, header.ClientId);
        Assert.Equal(GroupId, body.Key);
        Assert.Equal((sbyte)0, body.KeyType);
    }

    [Fact]
    public void JoinGroupV5OffersRangeAndRoundRobin()
    {
        (RequestHeader header, JoinGroupRequest body) =
            GoldenCodec.ReadRequest<JoinGroupRequest>("kcat-joingroup-v5.request.bin", ApiKey.JoinGroup, 5, headerVersion: 1);

        Assert.Equal(4, header.CorrelationId);
        Assert.Equal(ClientId, header.ClientId);
        Assert.Equal(GroupId, body.GroupId);
        Assert.Equal(45000, body.SessionTimeoutMs);
        Assert.Equal(300000, body.RebalanceTimeoutMs);
        Assert.Equal("", body.MemberId);
        Assert.Null(body.GroupInstanceId);
        Assert.Equal("consumer", body.ProtocolType);
        Assert.Equal(2, body.Protocols.Count);
        Assert.Equal("range", body.Protocols[0].Name);
        Assert.Equal(KcatGroupProtocol.Subscription, body.Protocols[0].Metadata);
        Assert.Equal("roundrobin", body.Protocols[1].Name);
        Assert.Equal(KcatGroupProtocol.Subscription, body.Protocols[1].Metadata);
    }

    [Fact]
    public void SyncGroupV3AssignsAllFourPartitions()
    {
        (RequestHeader header, SyncGroupRequest body) =
            GoldenCodec.ReadRequest<SyncGroupRequest>("kcat-syncgroup-v3.request.bin", ApiKey.SyncGroup, 3, headerVersion: 1);

        Assert.Equal(6, header.CorrelationId);
        Assert.Equal(ClientId, header.ClientId);
        Assert.Equal(GroupId, body.GroupId);
        Assert.Equal(2, body.GenerationId);
        Assert.Equal(MemberId, body.MemberId);
        Assert.Null(body.GroupInstanceId);
        SyncGroupRequest.SyncGroupRequestAssignment assignment = Assert.Single(body.Assignments);
        Assert.Equal(MemberId, assignment.MemberId);
        Assert.Equal(KcatGroupProtocol.Assignment, assignment.Assignment);
    }

    [Fact]
    public void HeartbeatV3()
    {
        (RequestHeader header, HeartbeatRequest body) =
            GoldenCodec.ReadRequest<HeartbeatRequest>("kcat-heartbeat-v3.request.bin", ApiKey.Heartbeat, 3, headerVersion: 1);

        Assert.Equal(7, header.CorrelationId);
        Assert.Equal(ClientId, header.ClientId);
        Assert.Equal(GroupId, body.GroupId);
        Assert.Equal(2, body.GenerationId);
        Assert.Equal(MemberId, body.MemberId);
        Assert.Null(body.GroupInstanceId);
    }

    [Fact]
    public void OffsetFetchV5AsksForTheAssignedPartitions()
    {
        (RequestHeader header, OffsetFetchRequest body) =
            GoldenCodec.ReadRequest<OffsetFetchRequest>("kcat-offsetfetch-v5.request.bin", ApiKey.OffsetFetch, 5, headerVersion: 1);

        Assert.Equal(8, header.CorrelationId);
        Assert.Equal(ClientId, header.ClientId);
        Assert.Equal(GroupId, body.GroupId);
        Assert.NotNull(body.Topics);
        OffsetFetchRequest.OffsetFetchRequestTopic topic = Assert.Single(body.Topics);
        Assert.Equal("golden", topic.Name);
        Assert.Equal([0, 1, 2, 3], topic.PartitionIndexes);
    }

    [Fact]
    public void OffsetCommitV7CommitsTheConsumedOffset()
    {
        (RequestHeader header, OffsetCommitRequest body) =
            GoldenCodec.ReadRequest<OffsetCommitRequest>("kcat-offsetcommit-v7.request.bin", ApiKey.OffsetCommit, 7, headerVersion: 1);

        Assert.Equal(10, header.CorrelationId);
        Assert.Equal(ClientId, header.ClientId);
        Assert.Equal(GroupId, body.GroupId);
        Assert.Equal(2, body.GenerationIdOrMemberEpoch);
        Assert.Equal(MemberId, body.MemberId);
        Assert.Null(body.GroupInstanceId);
        OffsetCommitRequest.OffsetCommitRequestTopic topic = Assert.Single(body.Topics);
        Assert.Equal("golden", topic.Name);
        OffsetCommitRequest.OffsetCommitRequestPartition partition = Assert.Single(topic.Partitions);
        Assert.Equal(0, partition.PartitionIndex);
        Assert.Equal(15L, partition.CommittedOffset);
        Assert.Equal(-1, partition.CommittedLeaderEpoch);
        Assert.Equal("", partition.CommittedMetadata);
    }

    [Fact]
    public void LeaveGroupV1()
    {
        (RequestHeader header, LeaveGroupRequest body) =
            GoldenCodec.ReadRequest<LeaveGroupRequest>("kcat-leavegroup-v1.request.bin", ApiKey.LeaveGroup, 1, headerVersion: 1);

        Assert.Equal(20, header.CorrelationId);
        Assert.Equal(ClientId, header.ClientId);
        Assert.Equal(GroupId, body.GroupId);
        Assert.Equal(MemberId, body.MemberId);
    }

    [Fact]
    public void EveryCapturedFrameHasATest()
    {
        string[] covered =
        [
            "kcat-apiversions-v0.request.bin", "kcat-apiversions-v3.request.bin", "kcat-metadata-v2.request.bin",
            "kcat-metadata-v2-alltopics.request.bin",
            "kcat-produce-v7-none.request.bin", "kcat-produce-v7-gzip.request.bin", "kcat-produce-v7-snappy.request.bin",
            "kcat-produce-v7-lz4.request.bin", "kcat-produce-v7-zstd.request.bin", "kcat-listoffsets-v2.request.bin",
            "kcat-fetch-v11.request.bin", "kcat-findcoordinator-v2.request.bin", "kcat-joingroup-v5.request.bin",
            "kcat-syncgroup-v3.request.bin", "kcat-heartbeat-v3.request.bin", "kcat-offsetfetch-v5.request.bin",
            "kcat-offsetcommit-v7.request.bin", "kcat-leavegroup-v1.request.bin",
            .. GoldenResponseTests.Covered,
        ];
        string[] captured = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Golden"), "*.bin")
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(covered.Order(StringComparer.Ordinal), captured);
    }
}
