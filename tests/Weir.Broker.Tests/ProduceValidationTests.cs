using Microsoft.Extensions.DependencyInjection;
using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Protocol.Records;

namespace Weir.Broker.Tests;

/// <summary>
/// Lying batches a client can send with a correct CRC (the outside tester's reproductions): each is
/// refused with INVALID_RECORD / INVALID_TIMESTAMP naming the partition, with record_errors where a
/// record is at fault, and the log is left exactly as it was.
/// </summary>
public sealed class ProduceValidationTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    public static TheoryData<string> LyingBatches => new()
    {
        "recordsCount 5 with 1 record",
        "recordsCount 1 with 3 records",
        "recordsCount 0",
        "recordsCount 2^31-1",
        "lastOffsetDelta 1000 with 1 record",
        "offset deltas 0, 5, 9",
        "offset deltas 0, 5, 9 and lastOffsetDelta 9",
        "offset deltas 1, 2, 3",
        "length prefix 3 bytes too long",
        "length prefix 2 bytes too short",
        "gzip: recordsCount 5 with 1 record",
        "zstd: offset deltas 0, 5, 9",
        "lz4: length prefix 1 byte too long",
        "snappy: record attributes 0xAF",
    };

    private static byte[] Lying(string name) => name switch
    {
        "recordsCount 5 with 1 record" => CraftedBatches.Build(CraftedBatches.Records(1), recordsCount: 5, lastOffsetDelta: 4),
        "recordsCount 1 with 3 records" => CraftedBatches.Build(CraftedBatches.Records(3), recordsCount: 1, lastOffsetDelta: 0),
        "recordsCount 0" => CraftedBatches.Build(CraftedBatches.Records(1), recordsCount: 0, lastOffsetDelta: 0),
        "recordsCount 2^31-1" => CraftedBatches.Build(CraftedBatches.Records(1), recordsCount: int.MaxValue, lastOffsetDelta: int.MaxValue - 1),
        "lastOffsetDelta 1000 with 1 record" => CraftedBatches.Build(CraftedBatches.Records(1), lastOffsetDelta: 1000),
        "offset deltas 0, 5, 9" => CraftedBatches.Build(Deltas(0, 5, 9)),
        "offset deltas 0, 5, 9 and lastOffsetDelta 9" => CraftedBatches.Build(Deltas(0, 5, 9), lastOffsetDelta: 9),
        "offset deltas 1, 2, 3" => CraftedBatches.Build(Deltas(1, 2, 3)),
        "length prefix 3 bytes too long" => CraftedBatches.Build([new(0, "k0", "v0"), new(1, "k1", "v1", LengthSkew: 3)]),
        "length prefix 2 bytes too short" => CraftedBatches.Build([new(0, "k0", "v0", LengthSkew: -2), new(1, "k1", "v1")]),
        "gzip: recordsCount 5 with 1 record" => CraftedBatches.Build(CraftedBatches.Records(1), recordsCount: 5, lastOffsetDelta: 4, compression: CompressionType.Gzip),
        "zstd: offset deltas 0, 5, 9" => CraftedBatches.Build(Deltas(0, 5, 9), compression: CompressionType.Zstd),
        "lz4: length prefix 1 byte too long" => CraftedBatches.Build([new(0, "k0", "v0", LengthSkew: 1)], compression: CompressionType.Lz4),
        // Found by the fuzz: Kafka ignores record attributes, but kafka-python reads them as a varint.
        "snappy: record attributes 0xAF" => CraftedBatches.Build([new(0, "k0", "v0"), new(1, "k1", "v1", Attributes: 0xAF)], compression: CompressionType.Snappy),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static CraftedRecord[] Deltas(params int[] deltas) => [.. deltas.Select((d, i) => new CraftedRecord(d, $"k{i}", $"v{i}", i))];

    [Theory]
    [MemberData(nameof(LyingBatches))]
    public async Task A_lying_batch_is_refused_with_invalid_record_and_the_log_is_untouched(string name)
    {
        var topic = await CreateTopicAsync();
        using var connection = await ConnectAsync();
        Assert.Equal(0, (await ProduceAsync(connection, topic, CraftedBatches.Build(CraftedBatches.Records(2)))).ErrorCode);

        var response = await ProduceAsync(connection, topic, Lying(name));

        Assert.Equal((short)ErrorCode.InvalidRecord, response.ErrorCode);
        Assert.Equal(-1, response.BaseOffset);
        Assert.Contains($"{topic}-0", response.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(2, Log(topic).LogEndOffset);
        var next = await ProduceAsync(connection, topic, CraftedBatches.Build(CraftedBatches.Records(1)));
        Assert.Equal(0, next.ErrorCode);
        Assert.Equal(2, next.BaseOffset);
    }

    [Fact]
    public async Task Record_errors_name_the_record_whose_offset_delta_is_wrong()
    {
        var topic = await CreateTopicAsync();
        using var connection = await ConnectAsync();
        var response = await ProduceAsync(connection, topic, CraftedBatches.Build(Deltas(0, 1, 5, 6)));
        Assert.Equal((short)ErrorCode.InvalidRecord, response.ErrorCode);
        Assert.Equal([2, 3], response.RecordErrors.Select(e => e.BatchIndex));
        Assert.All(response.RecordErrors, e => Assert.Contains("offset delta", e.BatchIndexErrorMessage, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_32_KiB_zstd_batch_inflating_to_1_GiB_is_refused_without_inflating_it()
    {
        var topic = await CreateTopicAsync();
        using var connection = await ConnectAsync();
        var bomb = CraftedBatches.ZstdZeros(8192); // 8192 x 128 KiB = 1 GiB of zeros from 32 KiB
        Assert.InRange(bomb.Length, 32 * 1024, 33 * 1024);
        var batch = CraftedBatches.WithPayload(bomb, 1, 0, (short)CompressionType.Zstd, 0, 0);

        var started = System.Diagnostics.Stopwatch.StartNew();
        var response = await ProduceAsync(connection, topic, batch);

        Assert.Equal((short)ErrorCode.InvalidRecord, response.ErrorCode);
        Assert.Contains("inflate beyond", response.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0, Log(topic).LogEndOffset);
        // Stopping at the bound (32 MiB here) is quick; inflating the whole GiB is not.
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task Compacted_topic_refuses_a_record_without_key()
    {
        var topic = await CreateTopicAsync(new() { ["cleanup.policy"] = "compact" });
        using var connection = await ConnectAsync();
        var response = await ProduceAsync(connection, topic, CraftedBatches.Build([new(0, "k0", "v0"), new(1, null, "v1")]));
        Assert.Equal((short)ErrorCode.InvalidRecord, response.ErrorCode);
        var error = Assert.Single(response.RecordErrors);
        Assert.Equal(1, error.BatchIndex);
        Assert.Contains("Compacted topic cannot accept message without key", error.BatchIndexErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0, Log(topic).LogEndOffset);
        Assert.Equal(0, (await ProduceAsync(connection, topic, CraftedBatches.Build(CraftedBatches.Records(2)))).ErrorCode);
    }

    [Fact]
    public async Task Timestamps_outside_before_and_after_max_ms_are_refused_with_invalid_timestamp()
    {
        var topic = await CreateTopicAsync(new() { ["message.timestamp.before.max.ms"] = "3600000", ["message.timestamp.after.max.ms"] = "60000" });
        using var connection = await ConnectAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var hours = 3_600_000L;

        var old = await ProduceAsync(connection, topic, CraftedBatches.Build([new(0, "k", "v", 0), new(1, "k", "v", 2 * hours)], baseTimestamp: now - (2 * hours)));
        Assert.Equal((short)ErrorCode.InvalidTimestamp, old.ErrorCode);
        Assert.Equal(0, Assert.Single(old.RecordErrors).BatchIndex);

        var future = await ProduceAsync(connection, topic, CraftedBatches.Build([new(0, "k", "v", 0), new(1, "k", "v", hours)], baseTimestamp: now));
        Assert.Equal((short)ErrorCode.InvalidTimestamp, future.ErrorCode);
        Assert.Equal(1, Assert.Single(future.RecordErrors).BatchIndex);
        Assert.Equal(0, Log(topic).LogEndOffset);

        var fine = await ProduceAsync(connection, topic, CraftedBatches.Build([new(0, "k", "v", 0), new(1, "k", "v", 1000)], baseTimestamp: now - hours + 60_000));
        Assert.Equal(0, fine.ErrorCode);
    }

    [Fact]
    public async Task Snappy_with_an_xerial_header_of_another_version_is_refused_as_kafka_python_cannot_read_it()
    {
        // Found by the fuzz: kafka-python takes only version 1 / compatible 1 as xerial framing.
        var topic = await CreateTopicAsync();
        using var connection = await ConnectAsync();
        var batch = CraftedBatches.Build(CraftedBatches.Records(3), compression: CompressionType.Snappy);
        batch[RecordBatchHeader.Size + 11] = 0xAB; // low byte of the xerial version
        RecordBatch.WriteCrc(batch);
        var response = await ProduceAsync(connection, topic, batch);
        Assert.Equal((short)ErrorCode.CorruptMessage, response.ErrorCode);
        Assert.Equal(0, Log(topic).LogEndOffset);
    }

    [Fact]
    public async Task Control_batches_from_clients_are_refused()
    {
        var topic = await CreateTopicAsync();
        using var connection = await ConnectAsync();
        var response = await ProduceAsync(connection, topic, CraftedBatches.Build(CraftedBatches.Records(1), attributeFlags: 0x20));
        Assert.Equal((short)ErrorCode.InvalidRecord, response.ErrorCode);
        Assert.Equal(0, Log(topic).LogEndOffset);
    }

    private Storage.Log.PartitionLog Log(string topic) => broker.Host.Services.GetRequiredService<BrokerRuntime>().Replicas.Get(topic, 0)!.Log;

    private Task<RawConnection> ConnectAsync() => RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);

    private async Task<string> CreateTopicAsync(Dictionary<string, string>? configs = null)
    {
        var name = "val-" + Guid.NewGuid().ToString("N")[..8];
        using var connection = await ConnectAsync();
        var topic = new CreateTopicsRequest.CreatableTopic { Name = name, NumPartitions = 1, ReplicationFactor = 1 };
        foreach (var (k, v) in configs ?? [])
        {
            topic.Configs.Add(new CreateTopicsRequest.CreatableTopicConfig { Name = k, Value = v });
        }

        var response = await connection.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest { Topics = [topic], timeoutMs = 5000 });
        Assert.Equal(0, Assert.Single(response.Topics).ErrorCode);
        return name;
    }

    public static async Task<ProduceResponse.PartitionProduceResponse> ProduceAsync(RawConnection connection, string topic, byte[] batch, int partition = 0)
    {
        var request = new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 5000,
            TopicData = [new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new ProduceRequest.PartitionProduceData { Index = partition, Records = batch }] }],
        };
        var response = await connection.RequestAsync<ProduceResponse>(ApiKey.Produce, 9, request);
        return Assert.Single(Assert.Single(response.Responses).PartitionResponses);
    }
}
