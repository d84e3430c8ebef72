using System.Text;
using Weir.Protocol;
using Weir.Protocol.Messages;
using Weir.Protocol.Records;

namespace Weir.Broker.Tests;

/// <summary>
/// kill -9 during a produce of 1,000,000 records with acks=1: after a restart, every acknowledged
/// record is there exactly once and in order, and the broker takes more writes.
/// </summary>
public sealed class CrashTests : IDisposable
{
    private const int RecordsPerBatch = 1000;
    private const int Batches = 1000;
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "weir-crash-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Acknowledged_records_survive_kill_9_exactly_once_in_order()
    {
        var port = BrokerProcess.FreePort();
        var topic = "crash";
        var acked = new List<(int Batch, long BaseOffset)>();
        using (var broker = await BrokerProcess.StartAsync(_dataDir, port))
        {
            using var connection = await RawConnection.ConnectAsync(broker.EndPoint);
            var create = await connection.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest
            {
                timeoutMs = 5000,
                Topics = [new CreateTopicsRequest.CreatableTopic { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }],
            });
            Assert.Equal(0, Assert.Single(create.Topics).ErrorCode);

            // Pipeline produce requests, at most 8 in flight, and kill the broker once a third of them
            // are acknowledged: some requests are then in flight or half written.
            var killAfter = Batches / 3;
            using var window = new SemaphoreSlim(8);
            using var killed = new CancellationTokenSource();
            var sendTask = Task.Run(async () =>
            {
                for (var b = 0; b < Batches; b++)
                {
                    try
                    {
                        await window.WaitAsync(killed.Token);
                        await connection.SendRawAsync(connection.Frame(ApiKey.Produce, 9, Produce(topic, b)));
                    }
                    catch (Exception ex) when (ex is IOException or OperationCanceledException)
                    {
                        return;
                    }
                }
            });
            for (var b = 0; b < Batches; b++)
            {
                byte[]? frame;
                try
                {
                    frame = await connection.ReadFrameAsync();
                }
                catch (IOException)
                {
                    break;
                }

                if (frame is null)
                {
                    break;
                }

                var response = RawConnection.Decode<ProduceResponse>(frame, ApiKeys.ResponseHeaderVersion(ApiKey.Produce, 9), 9);
                var partition = Assert.Single(Assert.Single(response.Responses).PartitionResponses);
                Assert.Equal(0, partition.ErrorCode);
                acked.Add((b, partition.BaseOffset));
                window.Release();
                if (acked.Count == killAfter)
                {
                    broker.KillHard();
                    await killed.CancelAsync();
                }
            }

            await sendTask;
        }

        Assert.True(acked.Count >= Batches / 3, $"only {acked.Count} batches acknowledged before the kill");
        Assert.True(acked.Count < Batches, "the kill came after everything was acknowledged; nothing was tested");

        using var restarted = await BrokerProcess.StartAsync(_dataDir, port);
        using var reader = await RawConnection.ConnectAsync(restarted.EndPoint);
        var values = await ReadAllValuesAsync(reader, topic);

        // Acknowledged batches are at their acknowledged offsets; values run 0..n without gaps or repeats.
        var ackedRecords = acked.Count * RecordsPerBatch;
        Assert.True(values.Count >= ackedRecords, $"{values.Count} records after restart, {ackedRecords} acknowledged");
        for (var i = 0; i < values.Count; i++)
        {
            Assert.Equal(i, values[i]);
        }

        foreach (var (batch, baseOffset) in acked)
        {
            Assert.Equal((long)batch * RecordsPerBatch, baseOffset);
        }

        // And the broker takes more.
        var more = await reader.RequestAsync<ProduceResponse>(ApiKey.Produce, 9, Produce(topic, values.Count / RecordsPerBatch));
        var after = Assert.Single(Assert.Single(more.Responses).PartitionResponses);
        Assert.Equal(0, after.ErrorCode);
        Assert.Equal(values.Count, after.BaseOffset);
    }

    private static ProduceRequest Produce(string topic, int batch)
    {
        using var builder = new RecordBatchBuilder();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < RecordsPerBatch; i++)
        {
            builder.Append(now, null, Encoding.ASCII.GetBytes(((batch * RecordsPerBatch) + i).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        using var buffer = new Weir.Protocol.Compression.PooledBufferWriter();
        builder.Build(buffer);
        return new ProduceRequest
        {
            Acks = 1,
            TimeoutMs = 5000,
            TopicData = [new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = buffer.WrittenSpan.ToArray() }] }],
        };
    }

    private static async Task<List<long>> ReadAllValuesAsync(RawConnection connection, string topic)
    {
        var values = new List<long>();
        long offset = 0;
        while (true)
        {
            var response = await connection.RequestAsync<FetchResponse>(ApiKey.Fetch, 12, new FetchRequest
            {
                ReplicaId = -1,
                MaxWaitMs = 0,
                MinBytes = 0,
                MaxBytes = 8 << 20,
                SessionEpoch = -1,
                Topics = [new FetchRequest.FetchTopic { Topic = topic, Partitions = [new FetchRequest.FetchPartition { Partition = 0, FetchOffset = offset, PartitionMaxBytes = 8 << 20, LogStartOffset = -1 }] }],
            });
            var data = Assert.Single(Assert.Single(response.Responses).Partitions);
            Assert.Equal(0, data.ErrorCode);
            if (data.Records is not { Length: > 0 } records)
            {
                return values;
            }

            var batches = new RecordBatchEnumerator(records.Span);
            while (batches.MoveNext())
            {
                Assert.Equal(RecordBatchError.None, RecordBatch.Validate(batches.Current));
                using var batchRecords = RecordBatch.ReadRecords(batches.Current);
                foreach (var record in batchRecords)
                {
                    if (record.Offset < offset)
                    {
                        continue;
                    }

                    Assert.Equal(values.Count, record.Offset);
                    values.Add(long.Parse(Encoding.ASCII.GetString(record.Value), System.Globalization.CultureInfo.InvariantCulture));
                    offset = record.Offset + 1;
                }
            }
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
