using System.Globalization;
using System.Text;
using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Protocol.Records;

namespace Weir.Broker.Tests;

/// <summary>
/// Out of file descriptors (a `weir start` under a low RLIMIT_NOFILE): creating partitions is refused
/// with KAFKA_STORAGE_ERROR and a log line, nothing half-made is committed, existing partitions keep
/// serving, and once descriptors are freed (a topic deleted) creation works again.
/// </summary>
public sealed class FdExhaustionTests : IDisposable
{
    private const int PartitionsPerTopic = 8;
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "weir-fds-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Out_of_file_descriptors_refuses_new_partitions_and_keeps_serving()
    {
        var port = BrokerProcess.FreePort();
        // Hard = soft: the broker cannot raise it. Enough to start (about 150 in use) but not for hundreds of partitions.
        using var broker = await BrokerProcess.StartAsync(_dataDir, port, ["prlimit", "--nofile=400:400", "--"], $"num.partitions={PartitionsPerTopic}");
        using var connection = await RawConnection.ConnectAsync(broker.EndPoint);
        var created = new List<string>();
        CreateTopicsResponse.CreatableTopicResult? refused = null;
        for (var t = 0; t < 300 && refused is null; t++)
        {
            var name = "fds-" + t.ToString(CultureInfo.InvariantCulture);
            var result = await CreateAsync(connection, name);
            if (result.ErrorCode != 0)
            {
                refused = result;
                break;
            }

            created.Add(name);

            // Appending uses descriptors too (active segments, checkpoints); near the limit an append may be
            // the one refused, which must be KAFKA_STORAGE_ERROR naming the cause, never a dead broker.
            var produced = await ProduceAsync(connection, name);
            Assert.All(produced, p => Assert.True(
                p.ErrorCode == 0 || (p.ErrorCode == (short)ErrorCode.KafkaStorageError && p.ErrorMessage?.Contains("Too many open files", StringComparison.Ordinal) == true),
                $"{p.ErrorCode}: {p.ErrorMessage}"));
        }

        Assert.NotNull(refused);
        Assert.True(created.Count >= 3, $"only {created.Count} topics were created before the refusal");
        Assert.Equal((short)ErrorCode.KafkaStorageError, refused.ErrorCode);
        Assert.Contains("Too many open files", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.True(await broker.WaitForOutputAsync($"Refusing to create {PartitionsPerTopic} partition(s) of {refused.Name}", TimeSpan.FromSeconds(10)), broker.Output);

        // Nothing of the refused topic was committed or left on disk.
        var metadata = await connection.RequestAsync<MetadataResponse>(ApiKey.Metadata, 12, new MetadataRequest
        {
            Topics = [new MetadataRequest.MetadataRequestTopic { Name = refused.Name }],
            AllowAutoTopicCreation = false,
        });
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, Assert.Single(metadata.Topics).ErrorCode);
        Assert.Empty(Directory.GetDirectories(_dataDir, refused.Name + "-*"));

        // CreatePartitions and auto-creation are refused the same way.
        var more = await connection.RequestAsync<CreatePartitionsResponse>(ApiKey.CreatePartitions, 3, new CreatePartitionsRequest
        {
            TimeoutMs = 5000,
            Topics = [new CreatePartitionsRequest.CreatePartitionsTopic { Name = created[0], Count = 2 * PartitionsPerTopic, Assignments = null }],
        });
        Assert.Equal((short)ErrorCode.KafkaStorageError, Assert.Single(more.Results).ErrorCode);
        var auto = await connection.RequestAsync<MetadataResponse>(ApiKey.Metadata, 12, new MetadataRequest
        {
            Topics = [new MetadataRequest.MetadataRequestTopic { Name = "fds-auto" }],
            AllowAutoTopicCreation = true,
        });
        Assert.Equal((short)ErrorCode.KafkaStorageError, Assert.Single(auto.Topics).ErrorCode);

        // Existing partitions keep serving.
        Assert.All(await ProduceAsync(connection, created[0]), p => Assert.Equal(0, p.ErrorCode));

        // Descriptors freed (topics deleted): creation works again.
        var deleted = await connection.RequestAsync<DeleteTopicsResponse>(ApiKey.DeleteTopics, 6, new DeleteTopicsRequest
        {
            TimeoutMs = 5000,
            Topics = [.. created.TakeLast(3).Select(name => new DeleteTopicsRequest.DeleteTopicState { Name = name })],
        });
        Assert.All(deleted.Responses, r => Assert.True(r.ErrorCode == 0, r.ErrorMessage));
        var again = await CreateAsync(connection, refused.Name!);
        Assert.True(again.ErrorCode == 0, again.ErrorMessage);

        var exitCode = await broker.TerminateAsync(TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 0, broker.Output);
        Assert.DoesNotContain("Out of memory", broker.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", broker.Output, StringComparison.Ordinal);
    }

    private static async Task<CreateTopicsResponse.CreatableTopicResult> CreateAsync(RawConnection connection, string name)
    {
        var response = await connection.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest
        {
            timeoutMs = 5000,
            Topics = [new CreateTopicsRequest.CreatableTopic { Name = name, NumPartitions = PartitionsPerTopic, ReplicationFactor = 1 }],
        });
        return Assert.Single(response.Topics);
    }

    private static async Task<List<ProduceResponse.PartitionProduceResponse>> ProduceAsync(RawConnection connection, string topic)
    {
        var data = new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [] };
        for (var p = 0; p < PartitionsPerTopic; p++)
        {
            using var builder = new RecordBatchBuilder();
            builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, Encoding.ASCII.GetBytes($"{topic}/{p}"));
            using var buffer = new Weir.Protocol.Compression.PooledBufferWriter();
            builder.Build(buffer);
            data.PartitionData.Add(new ProduceRequest.PartitionProduceData { Index = p, Records = buffer.WrittenSpan.ToArray() });
        }

        var response = await connection.RequestAsync<ProduceResponse>(ApiKey.Produce, 9, new ProduceRequest { Acks = -1, TimeoutMs = 5000, TopicData = [data] });
        return Assert.Single(response.Responses).PartitionResponses;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
