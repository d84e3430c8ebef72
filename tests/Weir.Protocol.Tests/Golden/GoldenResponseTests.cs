using Weir.Protocol.Messages;
using Weir.Protocol.Records;

namespace Weir.Protocol.Tests.Golden;

/// <summary>
/// Responses librdkafka's mock broker sent to kcat in the same capture (Golden/README.md): each
/// decodes to the values tshark decoded and re-encodes to the same bytes. All use response
/// header v0 (no flexible versions; ApiVersions always answers with v0).
/// </summary>
public sealed class GoldenResponseTests
{
    private const int MockPort = 43961;

    internal static readonly string[] Covered =
    [
        "kcat-apiversions-v0.response.bin", "kcat-metadata-v2.response.bin", "kcat-metadata-v2-alltopics.response.bin",
        "kcat-produce-v7-none.response.bin", "kcat-produce-v7-gzip.response.bin", "kcat-produce-v7-snappy.response.bin",
        "kcat-produce-v7-lz4.response.bin", "kcat-produce-v7-zstd.response.bin", "kcat-listoffsets-v2.response.bin",
        "kcat-fetch-v11.response.bin", "kcat-findcoordinator-v2.response.bin", "kcat-joingroup-v5.response.bin",
        "kcat-syncgroup-v3.response.bin", "kcat-heartbeat-v3.response.bin", "kcat-offsetfetch-v5.response.bin",
        "kcat-offsetcommit-v7.response.bin", "kcat-leavegroup-v1.response.bin",
    ];

    [Fact]
    public void ApiVersionsV0ListsTheMockApis()
    {
        (ResponseHeader header, ApiVersionsResponse body) =
            GoldenCodec.ReadResponse<ApiVersionsResponse>("kcat-apiversions-v0.response.bin", ApiKey.ApiVersions, 0, headerVersion: 0);

        Assert.Equal(2, header.CorrelationId);
        Assert.Equal((short)0, body.ErrorCode);
        (short Key, short Min, short Max)[] expected =
        [
            (0, 0, 7), (1, 0, 11), (2, 0, 5), (3, 0, 2), (8, 0, 7), (9, 0, 5), (10, 0, 2), (11, 0, 5), (12, 0, 3),
            (13, 0, 1), (14, 0, 3), (18, 0, 2), (22, 0, 4), (24, 0, 1), (25, 0, 1), (26, 0, 1), (28, 0, 2),
        ];
        var actual = new List<(short, short, short)>();
        foreach (ApiVersionsResponse.ApiVersion api in body.ApiKeys)
        {
            actual.Add((api.ApiKey, api.MinVersion, api.MaxVersion));
        }

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void MetadataV2NamesTheSingleMockBroker()
    {
        (ResponseHeader header, MetadataResponse body) =
            GoldenCodec.ReadResponse<MetadataResponse>("kcat-metadata-v2.response.bin", ApiKey.Metadata, 2, headerVersion: 0);

        Assert.Equal(3, header.CorrelationId);
        MetadataResponse.MetadataResponseBroker broker = Assert.Single(body.Brokers);
        Assert.Equal(1, broker.NodeId);
        Assert.Equal("127.0.0.1", broker.Host);
        Assert.Equal(MockPort, broker.Port);
        Assert.Null(broker.Rack);
        Assert.Equal("mockCluster155c57ee82d8", body.ClusterId);
        Assert.Equal(0, body.ControllerId);
        Assert.Empty(body.Topics);
    }

    [Fact]
    public void MetadataV2ListsTheHolderTopic()
    {
        (ResponseHeader header, MetadataResponse body) =
            GoldenCodec.ReadResponse<MetadataResponse>("kcat-metadata-v2-alltopics.response.bin", ApiKey.Metadata, 2, headerVersion: 0);

        Assert.Equal(4, header.CorrelationId);
        MetadataResponse.MetadataResponseBroker broker = Assert.Single(body.Brokers);
        Assert.Equal(1, broker.NodeId);
        Assert.Equal("127.0.0.1", broker.Host);
        Assert.Equal(33495, broker.Port); // a second capture run, see README
        Assert.Equal("mockCluster156eb885aed8", body.ClusterId);
        Assert.Equal(0, body.ControllerId);
        MetadataResponse.MetadataResponseTopic topic = Assert.Single(body.Topics);
        Assert.Equal((short)0, topic.ErrorCode);
        Assert.Equal("weir-holder", topic.Name);
        Assert.False(topic.IsInternal);
        Assert.Equal(4, topic.Partitions.Count);
        for (int i = 0; i < 4; i++)
        {
            MetadataResponse.MetadataResponsePartition partition = topic.Partitions[i];
            Assert.Equal((short)0, partition.ErrorCode);
            Assert.Equal(i, partition.PartitionIndex);
            Assert.Equal(1, partition.LeaderId);
            Assert.Equal([1], partition.ReplicaNodes);
            Assert.Equal([1], partition.IsrNodes);
        }
    }

    [Theory]
    [InlineData("none", 0L)]
    [InlineData("gzip", 3L)]
    [InlineData("snappy", 6L)]
    [InlineData("lz4", 9L)]
    [InlineData("zstd", 12L)]
    public void ProduceV7AcknowledgesEachBatch(string codecName, long baseOffset)
    {
        (ResponseHeader header, ProduceResponse body) =
            GoldenCodec.ReadResponse<ProduceResponse>($"kcat-produce-v7-{codecName}.response.bin", ApiKey.Produce, 7, headerVersion: 0);

        Assert.Equal(4, header.CorrelationId);
        ProduceResponse.TopicProduceResponse topic = Assert.Single(body.Responses);
        Assert.Equal("golden", topic.Name);
        ProduceResponse.PartitionProduceResponse partition = Assert.Single(topic.PartitionResponses);
        Assert.Equal(0, partition.Index);
        Assert.Equal((short)0, partition.ErrorCode);
        Assert.Equal(baseOffset, partition.BaseOffset);
        Assert.Equal(1234L, partition.LogAppendTimeMs);
        Assert.Equal(0L, partition.LogStartOffset);
        Assert.Equal(0, body.ThrottleTimeMs);
    }

    [Fact]
    public void ListOffsetsV2()
    {
        (ResponseHeader header, ListOffsetsResponse body) =
            GoldenCodec.ReadResponse<ListOffsetsResponse>("kcat-listoffsets-v2.response.bin", ApiKey.ListOffsets, 2, headerVersion: 0);

        Assert.Equal(5, header.CorrelationId);
        Assert.Equal(0, body.ThrottleTimeMs);
        ListOffsetsResponse.ListOffsetsTopicResponse topic = Assert.Single(body.Topics);
        Assert.Equal("golden", topic.Name);
        ListOffsetsResponse.ListOffsetsPartitionResponse partition = Assert.Single(topic.Partitions);
        Assert.Equal(0, partition.PartitionIndex);
        Assert.Equal((short)0, partition.ErrorCode);
        Assert.Equal(-1L, partition.Timestamp);
        Assert.Equal(0L, partition.Offset);
    }

    [Fact]
    public void FetchV11ReturnsTheUncompressedBatchAsProduced()
    {
        (ResponseHeader header, FetchResponse body) =
            GoldenCodec.ReadResponse<FetchResponse>("kcat-fetch-v11.response.bin", ApiKey.Fetch, 11, headerVersion: 0);

        Assert.Equal(6, header.CorrelationId);
        Assert.Equal(0, body.ThrottleTimeMs);
        Assert.Equal((short)0, body.ErrorCode);
        Assert.Equal(0, body.SessionId);
        FetchResponse.FetchableTopicResponse topic = Assert.Single(body.Responses);
        Assert.Equal("golden", topic.Topic);
        FetchResponse.PartitionData partition = Assert.Single(topic.Partitions);
        Assert.Equal(0, partition.PartitionIndex);
        Assert.Equal((short)0, partition.ErrorCode);
        Assert.Equal(15L, partition.HighWatermark);
        Assert.Equal(15L, partition.LastStableOffset);
        Assert.Equal(0L, partition.LogStartOffset);
        Assert.Empty(partition.AbortedTransactions ?? []);
        Assert.Equal(-1, partition.PreferredReadReplica);
        Assert.NotNull(partition.Records);

        // The mock stores produced batches verbatim: the first one is the uncompressed produce.
        (RequestHeader _, ProduceRequest produce) = GoldenCodec.ReadRequest<ProduceRequest>(
            "kcat-produce-v7-none.request.bin", ApiKey.Produce, 7, headerVersion: 1);
        ReadOnlyMemory<byte>? produced = produce.TopicData[0].PartitionData[0].Records;
        Assert.NotNull(produced);
        Assert.True(partition.Records.Value.Span.SequenceEqual(produced.Value.Span));
        KcatRecords.AssertSingleBatch(partition.Records.Value.Span, CompressionType.None, "none", 321, 0x237361c5, 1795311965674);
    }

    [Fact]
    public void FindCoordinatorV2PointsAtTheMockBroker()
    {
        (ResponseHeader header, FindCoordinatorResponse body) =
            GoldenCodec.ReadResponse<FindCoordinatorResponse>("kcat-findcoordinator-v2.response.bin", ApiKey.FindCoordinator, 2, headerVersion: 0);

        Assert.Equal(4, header.CorrelationId);
        Assert.Equal(0, body.ThrottleTimeMs);
        Assert.Equal((short)0, body.ErrorCode);
        Assert.Null(body.ErrorMessage);
        Assert.Equal(1, body.NodeId);
        Assert.Equal("127.0.0.1", body.Host);
        Assert.Equal(MockPort, body.Port);
    }

    [Fact]
    public void JoinGroupV5ElectsKcatAsLeader()
    {
        (ResponseHeader header, JoinGroupResponse body) =
            GoldenCodec.ReadResponse<JoinGroupResponse>("kcat-joingroup-v5.response.bin", ApiKey.JoinGroup, 5, headerVersion: 0);

        Assert.Equal(4, header.CorrelationId);
        Assert.Equal(0, body.ThrottleTimeMs);
        Assert.Equal((short)0, body.ErrorCode);
        Assert.Equal(2, body.GenerationId);
        Assert.Equal("range", body.ProtocolName);
        Assert.Equal(KcatGroupProtocol.MemberId, body.Leader);
        Assert.Equal(KcatGroupProtocol.MemberId, body.MemberId);
        JoinGroupResponse.JoinGroupResponseMember member = Assert.Single(body.Members);
        Assert.Equal(KcatGroupProtocol.MemberId, member.MemberId);
        Assert.Null(member.GroupInstanceId);
        Assert.Equal(KcatGroupProtocol.Subscription, member.Metadata);
    }

    [Fact]
    public void SyncGroupV3HandsBackTheAssignment()
    {
        (ResponseHeader header, SyncGroupResponse body) =
            GoldenCodec.ReadResponse<SyncGroupResponse>("kcat-syncgroup-v3.response.bin", ApiKey.SyncGroup, 3, headerVersion: 0);

        Assert.Equal(6, header.CorrelationId);
        Assert.Equal(0, body.ThrottleTimeMs);
        Assert.Equal((short)0, body.ErrorCode);
        Assert.Equal(KcatGroupProtocol.Assignment, body.Assignment);
    }

    [Fact]
    public void HeartbeatV3Succeeds()
    {
        (ResponseHeader header, HeartbeatResponse body) =
            GoldenCodec.ReadResponse<HeartbeatResponse>("kcat-heartbeat-v3.response.bin", ApiKey.Heartbeat, 3, headerVersion: 0);

        Assert.Equal(7, header.CorrelationId);
        Assert.Equal(0, body.ThrottleTimeMs);
        Assert.Equal((short)0, body.ErrorCode);
    }

    [Fact]
    public void LeaveGroupV1Succeeds()
    {
        (ResponseHeader header, LeaveGroupResponse body) =
            GoldenCodec.ReadResponse<LeaveGroupResponse>("kcat-leavegroup-v1.response.bin", ApiKey.LeaveGroup, 1, headerVersion: 0);

        Assert.Equal(20, header.CorrelationId);
        Assert.Equal(0, body.ThrottleTimeMs);
        Assert.Equal((short)0, body.ErrorCode);
    }

    [Fact]
    public void OffsetFetchV5HasNoCommittedOffsetsYet()
    {
        (ResponseHeader header, OffsetFetchResponse body) =
            GoldenCodec.ReadResponse<OffsetFetchResponse>("kcat-offsetfetch-v5.response.bin", ApiKey.OffsetFetch, 5, headerVersion: 0);

        Assert.Equal(8, header.CorrelationId);
        Assert.Equal(0, body.ThrottleTimeMs);
        Assert.Equal((short)0, body.ErrorCode);
        OffsetFetchResponse.OffsetFetchResponseTopic topic = Assert.Single(body.Topics);
        Assert.Equal("golden", topic.Name);
        Assert.Equal(4, topic.Partitions.Count);
        for (int i = 0; i < 4; i++)
        {
            OffsetFetchResponse.OffsetFetchResponsePartition partition = topic.Partitions[i];
            Assert.Equal(i, partition.PartitionIndex);
            Assert.Equal(-1L, partition.CommittedOffset);
            Assert.Equal(-1, partition.CommittedLeaderEpoch);
            Assert.Null(partition.Metadata);
            Assert.Equal((short)0, partition.ErrorCode);
        }
    }

    [Fact]
    public void OffsetCommitV7Succeeds()
    {
        (ResponseHeader header, OffsetCommitResponse body) =
            GoldenCodec.ReadResponse<OffsetCommitResponse>("kcat-offsetcommit-v7.response.bin", ApiKey.OffsetCommit, 7, headerVersion: 0);

        Assert.Equal(10, header.CorrelationId);
        Assert.Equal(0, body.ThrottleTimeMs);
        OffsetCommitResponse.OffsetCommitResponseTopic topic = Assert.Single(body.Topics);
        Assert.Equal("golden", topic.Name);
        OffsetCommitResponse.OffsetCommitResponsePartition partition = Assert.Single(topic.Partitions);
        Assert.Equal(0, partition.PartitionIndex);
        Assert.Equal((short)0, partition.ErrorCode);
    }
}
