using System.Buffers.Binary;
using Microsoft.Extensions.DependencyInjection;
using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Protocol.Records;

namespace Weir.Broker.Tests;

/// <summary>
/// Malformed frames, unknown APIs and versions, oversized prefixes, bad records, bad names: each
/// gets a Kafka error code or a closed connection, and the broker and its data are unaffected.
/// </summary>
public sealed class BadInputTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private Task<RawConnection> ConnectAsync() => RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);

    private async Task AssertBrokerAnswersAsync()
    {
        using var connection = await ConnectAsync();
        var response = await connection.RequestAsync<ApiVersionsResponse>(ApiKey.ApiVersions, 3, new ApiVersionsRequest { ClientSoftwareName = "weir-test", ClientSoftwareVersion = "1" });
        Assert.Equal(0, response.ErrorCode);
        Assert.Contains(response.ApiKeys, k => k.ApiKey == (short)ApiKey.Produce && k.MinVersion == 0 && k.MaxVersion >= 9);
    }

    [Fact]
    public async Task Size_prefix_over_socket_request_max_bytes_closes_only_that_connection()
    {
        using var connection = await ConnectAsync();
        await connection.SendRawAsync([0x7F, 0xFF, 0xFF, 0xFF, 0, 18, 0, 3]);
        Assert.True(await connection.IsClosedByPeerAsync());
        await AssertBrokerAnswersAsync();
    }

    [Fact]
    public async Task Negative_size_prefix_closes_the_connection()
    {
        using var connection = await ConnectAsync();
        await connection.SendRawAsync([0xFF, 0xFF, 0xFF, 0xF0]);
        Assert.True(await connection.IsClosedByPeerAsync());
        await AssertBrokerAnswersAsync();
    }

    [Fact]
    public async Task Unknown_api_key_closes_the_connection()
    {
        using var connection = await ConnectAsync();
        await connection.SendRawAsync([0, 0, 0, 8, 0x03, 0xE7, 0, 0, 0, 0, 0, 1]);
        Assert.True(await connection.IsClosedByPeerAsync());
        await AssertBrokerAnswersAsync();
    }

    [Fact]
    public async Task Too_new_api_versions_is_answered_with_unsupported_version_and_our_range()
    {
        using var connection = await ConnectAsync();
        // ApiVersions v99, header v2, empty client id, no tagged fields, garbage body (not parsed).
        await connection.SendRawAsync([0, 0, 0, 14, 0, 18, 0, 99, 0, 0, 0, 7, 0, 0, 0, 0xAB, 0xCD, 0xEF]);
        var frame = await connection.ReadFrameAsync();
        Assert.NotNull(frame);
        var response = RawConnection.Decode<ApiVersionsResponse>(frame!, 0, 0);
        Assert.Equal((short)ErrorCode.UnsupportedVersion, response.ErrorCode);
        var own = Assert.Single(response.ApiKeys);
        Assert.Equal((short)ApiKey.ApiVersions, own.ApiKey);
        Assert.Equal(4, own.MaxVersion);
        Assert.Equal(7, BinaryPrimitives.ReadInt32BigEndian(frame));
    }

    [Fact]
    public async Task Unsupported_version_of_another_api_closes_the_connection()
    {
        using var connection = await ConnectAsync();
        await connection.SendRawAsync([0, 0, 0, 10, 0, 3, 0, 99, 0, 0, 0, 1, 0, 0]);
        Assert.True(await connection.IsClosedByPeerAsync());
        await AssertBrokerAnswersAsync();
    }

    [Fact]
    public async Task Truncated_request_closes_the_connection()
    {
        using var connection = await ConnectAsync();
        var frame = connection.Frame(ApiKey.Metadata, 9, new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = "some-topic" }] });
        // Claim a shorter body than the message needs: the frame is complete but its content is cut.
        var cut = frame.AsSpan(0, frame.Length - 6).ToArray();
        BinaryPrimitives.WriteInt32BigEndian(cut, cut.Length - 4);
        await connection.SendRawAsync(cut);
        Assert.True(await connection.IsClosedByPeerAsync());
        await AssertBrokerAnswersAsync();
    }

    [Fact]
    public async Task Invalid_topic_names_are_refused_with_invalid_topic_exception()
    {
        using var connection = await ConnectAsync();
        var request = new CreateTopicsRequest { timeoutMs = 5000 };
        foreach (var name in new[] { "bad name", "..", "x/y", new string('a', 250) })
        {
            request.Topics.Add(new CreateTopicsRequest.CreatableTopic { Name = name, NumPartitions = 1, ReplicationFactor = 1 });
        }

        var response = await connection.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, request);
        Assert.Equal(4, response.Topics.Count);
        Assert.All(response.Topics, t => Assert.Equal((short)ErrorCode.InvalidTopicException, t.ErrorCode));
        Assert.All(response.Topics, t => Assert.False(string.IsNullOrEmpty(t.ErrorMessage)));
    }

    [Fact]
    public async Task Replication_factor_above_the_brokers_is_refused()
    {
        using var connection = await ConnectAsync();
        var request = new CreateTopicsRequest { timeoutMs = 5000 };
        request.Topics.Add(new CreateTopicsRequest.CreatableTopic { Name = "rf3-" + Guid.NewGuid().ToString("N")[..6], NumPartitions = 1, ReplicationFactor = 3 });
        var response = await connection.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, request);
        Assert.Equal((short)ErrorCode.InvalidReplicationFactor, Assert.Single(response.Topics).ErrorCode);
    }

    [Fact]
    public async Task Bad_crc_gets_corrupt_message_and_stores_nothing()
    {
        var topic = await CreateTopicAsync();
        using var connection = await ConnectAsync();
        var batch = TestBatches.Build(3);
        batch[^1] ^= 0xFF;
        var response = await ProduceAsync(connection, topic, 0, batch);
        Assert.Equal((short)ErrorCode.CorruptMessage, response.ErrorCode);
        Assert.Equal(0, broker.Host.Services.GetService<BrokerRuntime>()!.Replicas.Get(topic, 0)!.Log.LogEndOffset);

        var good = await ProduceAsync(connection, topic, 0, TestBatches.Build(3));
        Assert.Equal(0, good.ErrorCode);
        Assert.Equal(0, good.BaseOffset);
    }

    [Fact]
    public async Task Unknown_partition_and_topic_get_unknown_topic_or_partition()
    {
        var topic = await CreateTopicAsync();
        using var connection = await ConnectAsync();
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, (await ProduceAsync(connection, topic, 99, TestBatches.Build(1))).ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, (await ProduceAsync(connection, "no-such-" + topic, 0, TestBatches.Build(1))).ErrorCode);
    }

    [Fact]
    public async Task Oversized_batch_gets_message_too_large()
    {
        var topic = await CreateTopicAsync(new() { ["max.message.bytes"] = "200" });
        using var connection = await ConnectAsync();
        var response = await ProduceAsync(connection, topic, 0, TestBatches.Build(50));
        Assert.Equal((short)ErrorCode.MessageTooLarge, response.ErrorCode);
    }

    [Fact]
    public async Task Random_and_mutated_frames_never_take_the_broker_down_or_touch_stored_records()
    {
        var topic = await CreateTopicAsync();
        using (var setup = await ConnectAsync())
        {
            Assert.Equal(0, (await ProduceAsync(setup, topic, 0, TestBatches.Build(10, "keep"))).ErrorCode);
        }

        var seeds = new List<byte[]>();
        using (var builder = await ConnectAsync())
        {
            seeds.Add(builder.Frame(ApiKey.Metadata, 12, new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = topic }] }));
            seeds.Add(builder.Frame(ApiKey.ApiVersions, 3, new ApiVersionsRequest { ClientSoftwareName = "fuzz", ClientSoftwareVersion = "1" }));
            seeds.Add(ProduceFrame(builder, topic, 1, TestBatches.Build(5, "fuzz")));
            seeds.Add(builder.Frame(ApiKey.Fetch, 12, FetchRequestFor(topic, 0, maxWaitMs: 0)));
            seeds.Add(builder.Frame(ApiKey.ListOffsets, 7, new ListOffsetsRequest { Topics = [new ListOffsetsRequest.ListOffsetsTopic { Name = topic, Partitions = [new ListOffsetsRequest.ListOffsetsPartition { PartitionIndex = 0, Timestamp = -1 }] }] }));
        }

        var random = new Random(20261122);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        var sent = 0;
        while (DateTime.UtcNow < deadline)
        {
            var seed = seeds[random.Next(seeds.Count)];
            var frame = (byte[])seed.Clone();
            if (random.Next(4) == 0)
            {
                random.NextBytes(frame.AsSpan(4));
            }
            else
            {
                for (var flips = random.Next(1, 6); flips > 0; flips--)
                {
                    frame[4 + random.Next(frame.Length - 4)] = (byte)random.Next(256);
                }
            }

            using var connection = await ConnectAsync();
            await connection.SendRawAsync(frame);
            // An answer or a close are both fine. A mutated frame may also be a valid request that
            // waits (a long-poll Fetch) or needs no answer (acks=0), so don't wait long for it.
            try
            {
                await connection.ReadFrameAsync().WaitAsync(TimeSpan.FromMilliseconds(500));
            }
            catch (Exception ex) when (ex is IOException or TimeoutException)
            {
            }

            sent++;
        }

        Assert.True(sent > 50, $"only {sent} frames sent");
        await AssertBrokerAnswersAsync();
        using var check = await ConnectAsync();
        var fetch = await check.RequestAsync<FetchResponse>(ApiKey.Fetch, 12, FetchRequestFor(topic, 0, maxWaitMs: 0));
        var data = Assert.Single(Assert.Single(fetch.Responses).Partitions);
        Assert.Equal(0, data.ErrorCode);
        Assert.True(data.Records!.Value.Length > 0);
        var first = data.Records.Value.Span;
        Assert.Equal(RecordBatchError.None, RecordBatch.Validate(first[..new RecordBatchHeader(first).TotalSize]));
        Assert.Equal(10, new RecordBatchHeader(first).RecordsCount);
    }

    private async Task<string> CreateTopicAsync(Dictionary<string, string>? configs = null)
    {
        var name = "bad-" + Guid.NewGuid().ToString("N")[..8];
        using var connection = await ConnectAsync();
        var topic = new CreateTopicsRequest.CreatableTopic { Name = name, NumPartitions = 2, ReplicationFactor = 1 };
        foreach (var (k, v) in configs ?? [])
        {
            topic.Configs.Add(new CreateTopicsRequest.CreatableTopicConfig { Name = k, Value = v });
        }

        var response = await connection.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest { Topics = [topic], timeoutMs = 5000 });
        Assert.Equal(0, Assert.Single(response.Topics).ErrorCode);
        return name;
    }

    private static byte[] ProduceFrame(RawConnection connection, string topic, int partition, byte[] batch) =>
        connection.Frame(ApiKey.Produce, 9, ProduceRequestFor(topic, partition, batch));

    private static ProduceRequest ProduceRequestFor(string topic, int partition, byte[] batch) => new()
    {
        Acks = -1,
        TimeoutMs = 5000,
        TopicData = [new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new ProduceRequest.PartitionProduceData { Index = partition, Records = batch }] }],
    };

    private static FetchRequest FetchRequestFor(string topic, int partition, int maxWaitMs) => new()
    {
        ReplicaId = -1,
        MaxWaitMs = maxWaitMs,
        MinBytes = 1,
        MaxBytes = 1 << 20,
        SessionEpoch = -1,
        Topics = [new FetchRequest.FetchTopic { Topic = topic, Partitions = [new FetchRequest.FetchPartition { Partition = partition, FetchOffset = 0, PartitionMaxBytes = 1 << 20, LogStartOffset = -1 }] }],
    };

    private static async Task<ProduceResponse.PartitionProduceResponse> ProduceAsync(RawConnection connection, string topic, int partition, byte[] batch)
    {
        var response = await connection.RequestAsync<ProduceResponse>(ApiKey.Produce, 9, ProduceRequestFor(topic, partition, batch));
        return Assert.Single(Assert.Single(response.Responses).PartitionResponses);
    }
}
