using System.Text;
using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Protocol.Records;

namespace Weir.Broker.Tests;

/// <summary>
/// An I/O error other than a full disk (here: a partition directory removed under the broker, so the
/// next segment cannot be created) takes that log dir offline, as Kafka's LogDirFailureChannel does:
/// its partitions answer KAFKA_STORAGE_ERROR and are reported leaderless with this broker offline,
/// while partitions in the other log dir keep serving.
/// </summary>
public sealed class LogDirFailureTests : IDisposable
{
    private const string Topic = "dirs";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "weir-dirs-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task An_IO_error_takes_its_log_dir_offline_and_the_other_dir_keeps_serving()
    {
        var dirs = $"{Path.Combine(_root, "a")},{Path.Combine(_root, "b")}";
        using var broker = await BrokerProcess.StartAsync(dirs, BrokerProcess.FreePort());
        using var connection = await RawConnection.ConnectAsync(broker.EndPoint);
        var create = await connection.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest
        {
            timeoutMs = 5000,
            Topics = [new CreateTopicsRequest.CreatableTopic { Name = Topic, NumPartitions = 2, ReplicationFactor = 1, Configs = [new() { Name = "segment.bytes", Value = "2048" }] }],
        });
        Assert.Equal(0, Assert.Single(create.Topics).ErrorCode);

        // The metadata log took the first dir, so the partitions are spread: find each one's dir.
        var partitionDirs = Enumerable.Range(0, 2).Select(p => new[] { "a", "b" }.Select(d => Path.Combine(_root, d, $"{Topic}-{p}")).Single(Directory.Exists)).ToArray();
        Assert.NotEqual(Path.GetDirectoryName(partitionDirs[0]), Path.GetDirectoryName(partitionDirs[1]));
        var broken = Path.GetDirectoryName(partitionDirs[0]) == Path.Combine(_root, "b") ? 0 : 1;
        var healthy = 1 - broken;
        Assert.Equal(0, (await ProduceAsync(connection, broken)).ErrorCode);

        Directory.Delete(partitionDirs[broken], recursive: true);
        short error = 0;
        for (var i = 0; i < 100 && error == 0; i++)
        {
            error = (await ProduceAsync(connection, broken)).ErrorCode;
        }

        Assert.Equal((short)ErrorCode.KafkaStorageError, error);
        Assert.True(await broker.WaitForOutputAsync("is offline after an I/O error", TimeSpan.FromSeconds(10)), broker.Output);

        var metadata = await connection.RequestAsync<MetadataResponse>(ApiKey.Metadata, 12, new MetadataRequest
        {
            Topics = [new MetadataRequest.MetadataRequestTopic { Name = Topic }],
        });
        var partitions = Assert.Single(metadata.Topics).Partitions.OrderBy(p => p.PartitionIndex).ToList();
        Assert.Equal((short)ErrorCode.LeaderNotAvailable, partitions[broken].ErrorCode);
        Assert.Equal(-1, partitions[broken].LeaderId);
        Assert.Equal([1], partitions[broken].OfflineReplicas);
        Assert.Equal(0, partitions[healthy].ErrorCode);
        Assert.Equal(1, partitions[healthy].LeaderId);

        var fetch = await connection.RequestAsync<FetchResponse>(ApiKey.Fetch, 12, new FetchRequest
        {
            ReplicaId = -1,
            MaxWaitMs = 0,
            MinBytes = 0,
            MaxBytes = 1 << 20,
            Topics = [new FetchRequest.FetchTopic { Topic = Topic, Partitions = [new FetchRequest.FetchPartition { Partition = broken, FetchOffset = 0, PartitionMaxBytes = 1 << 20 }] }],
        });
        Assert.Equal((short)ErrorCode.KafkaStorageError, Assert.Single(Assert.Single(fetch.Responses).Partitions).ErrorCode);

        // DescribeLogDirs: the offline dir answers KAFKA_STORAGE_ERROR with nothing in it, the other its partition.
        var logDirs = await connection.RequestAsync<DescribeLogDirsResponse>(ApiKey.DescribeLogDirs, 4, new DescribeLogDirsRequest { Topics = null });
        var byDir = logDirs.Results.ToDictionary(r => r.LogDir);
        var offline = byDir[Path.GetDirectoryName(partitionDirs[broken])!];
        Assert.Equal((short)ErrorCode.KafkaStorageError, offline.ErrorCode);
        Assert.Empty(offline.Topics);
        Assert.Equal(-1, offline.TotalBytes);
        var online = byDir[Path.GetDirectoryName(partitionDirs[healthy])!];
        Assert.Equal(0, online.ErrorCode);
        Assert.Equal(healthy, Assert.Single(Assert.Single(online.Topics, t => t.Name == Topic).Partitions).PartitionIndex);

        // The other dir keeps serving, across segment rolls.
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(0, (await ProduceAsync(connection, healthy)).ErrorCode);
        }

        Assert.Equal(0, await broker.TerminateAsync(TimeSpan.FromSeconds(30)));
    }

    private static async Task<ProduceResponse.PartitionProduceResponse> ProduceAsync(RawConnection connection, int partition)
    {
        using var builder = new RecordBatchBuilder();
        for (var i = 0; i < 10; i++)
        {
            builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, Encoding.ASCII.GetBytes(new string('v', 50)));
        }

        using var buffer = new Weir.Protocol.Compression.PooledBufferWriter();
        builder.Build(buffer);
        var response = await connection.RequestAsync<ProduceResponse>(ApiKey.Produce, 9, new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 5000,
            TopicData = [new ProduceRequest.TopicProduceData { Name = Topic, PartitionData = [new ProduceRequest.PartitionProduceData { Index = partition, Records = buffer.WrittenSpan.ToArray() }] }],
        });
        return Assert.Single(Assert.Single(response.Responses).PartitionResponses);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
