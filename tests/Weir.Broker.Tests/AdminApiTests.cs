using Microsoft.Extensions.DependencyInjection;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Tests;

/// <summary>
/// CreatePartitions, DeleteRecords, OffsetForLeaderEpoch and DescribeProducers at every version
/// they accept, sent as raw requests (no installed client covers all of them).
/// </summary>
public sealed class AdminApiTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private static string NewTopic(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private Task<RawConnection> ConnectAsync() => RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);

    private async Task CreateTopicAsync(RawConnection client, string topic, int partitions)
    {
        var request = new CreateTopicsRequest { timeoutMs = 5000 };
        request.Topics.Add(new CreateTopicsRequest.CreatableTopic { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 });
        var response = await client.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, request);
        Assert.Equal(0, response.Topics[0].ErrorCode);
    }

    private async Task ProduceAsync(string topic, int partition, int count)
    {
        var lines = string.Concat(Enumerable.Range(0, count).Select(i => $"record-{i}\n"));
        var result = await ProcessRunner.RunAsync("kcat", ["-b", broker.Bootstrap, "-X", "broker.address.family=v4", "-P", "-t", topic, "-p", partition.ToString(System.Globalization.CultureInfo.InvariantCulture), "-X", "acks=all"], lines);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task CreatePartitions_grows_validates_and_rejects(short version)
    {
        var topic = NewTopic("cp");
        await using var client = await ConnectAsync();
        await CreateTopicAsync(client, topic, 2);

        CreatePartitionsRequest.CreatePartitionsTopic Grow(string name, int count, params int[][]? assignments) => new()
        {
            Name = name,
            Count = count,
            Assignments = assignments is null ? null : [.. assignments.Select(a => new CreatePartitionsRequest.CreatePartitionsAssignment { BrokerIds = [.. a] })],
        };

        var validate = new CreatePartitionsRequest { ValidateOnly = true, TimeoutMs = 5000, Topics = [Grow(topic, 4, null)] };
        var validated = await client.RequestAsync<CreatePartitionsResponse>(ApiKey.CreatePartitions, version, validate);
        Assert.Equal(0, validated.Results[0].ErrorCode);
        Assert.Equal(2, PartitionCount(topic));

        var request = new CreatePartitionsRequest
        {
            TimeoutMs = 5000,
            Topics =
            [
                Grow(topic, 4, [1], [1]),
                Grow("dup-" + topic, 3, null),
                Grow("dup-" + topic, 4, null),
                Grow("missing-" + topic, 3, null),
            ],
        };
        var response = await client.RequestAsync<CreatePartitionsResponse>(ApiKey.CreatePartitions, version, request);
        var results = response.Results.ToDictionary(r => r.Name, r => ((ErrorCode)r.ErrorCode, r.ErrorMessage));
        Assert.Equal(3, response.Results.Count); // a duplicated name is answered once
        Assert.Equal(ErrorCode.None, results[topic].Item1);
        Assert.Null(results[topic].ErrorMessage);
        Assert.Equal(ErrorCode.InvalidRequest, results["dup-" + topic].Item1);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, results["missing-" + topic].Item1);
        Assert.Equal(4, PartitionCount(topic));

        var failures = new CreatePartitionsRequest
        {
            Topics = [Grow(topic, 4, null)],
        };
        Assert.Equal((short)ErrorCode.InvalidPartitions, (await client.RequestAsync<CreatePartitionsResponse>(ApiKey.CreatePartitions, version, failures)).Results[0].ErrorCode);
        failures.Topics = [Grow(topic, 3, null)];
        Assert.Equal((short)ErrorCode.InvalidPartitions, (await client.RequestAsync<CreatePartitionsResponse>(ApiKey.CreatePartitions, version, failures)).Results[0].ErrorCode);
        failures.Topics = [Grow(topic, 6, [1])];
        Assert.Equal((short)ErrorCode.InvalidReplicaAssignment, (await client.RequestAsync<CreatePartitionsResponse>(ApiKey.CreatePartitions, version, failures)).Results[0].ErrorCode);
        failures.Topics = [Grow(topic, 5, [1, 1])];
        Assert.Equal((short)ErrorCode.InvalidReplicaAssignment, (await client.RequestAsync<CreatePartitionsResponse>(ApiKey.CreatePartitions, version, failures)).Results[0].ErrorCode);
        failures.Topics = [Grow(topic, 5, [2])];
        Assert.Equal((short)ErrorCode.InvalidReplicaAssignment, (await client.RequestAsync<CreatePartitionsResponse>(ApiKey.CreatePartitions, version, failures)).Results[0].ErrorCode);
        Assert.Equal(4, PartitionCount(topic));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task DeleteRecords_moves_the_low_watermark_up_to_the_high_watermark(short version)
    {
        var topic = NewTopic("dr");
        await using var client = await ConnectAsync();
        await CreateTopicAsync(client, topic, 1);
        await ProduceAsync(topic, 0, 10);

        async Task<DeleteRecordsResponse.DeleteRecordsPartitionResult> DeleteAsync(int partition, long offset)
        {
            var request = new DeleteRecordsRequest { TimeoutMs = 5000 };
            request.Topics.Add(new DeleteRecordsRequest.DeleteRecordsTopic { Name = topic, Partitions = [new DeleteRecordsRequest.DeleteRecordsPartition { PartitionIndex = partition, Offset = offset }] });
            var response = await client.RequestAsync<DeleteRecordsResponse>(ApiKey.DeleteRecords, version, request);
            Assert.Equal(topic, response.Topics[0].Name);
            return response.Topics[0].Partitions[0];
        }

        var first = await DeleteAsync(0, 3);
        Assert.Equal((0, 3L), (first.ErrorCode, first.LowWatermark));
        var lower = await DeleteAsync(0, 1); // never moves back
        Assert.Equal((0, 3L), (lower.ErrorCode, lower.LowWatermark));
        var beyond = await DeleteAsync(0, 11);
        Assert.Equal(((short)ErrorCode.OffsetOutOfRange, -1L), (beyond.ErrorCode, beyond.LowWatermark));
        var negative = await DeleteAsync(0, -5);
        Assert.Equal((short)ErrorCode.OffsetOutOfRange, negative.ErrorCode);
        var unknown = await DeleteAsync(7, 1);
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, unknown.ErrorCode);
        var all = await DeleteAsync(0, -1); // -1: up to the high watermark
        Assert.Equal((0, 10L), (all.ErrorCode, all.LowWatermark));
        Assert.Equal(10, Runtime.Replicas.Get(topic, 0)!.Log.LogStartOffset);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task OffsetForLeaderEpoch_answers_from_the_leader_epoch_cache(short version)
    {
        var topic = NewTopic("ofle");
        await using var client = await ConnectAsync();
        await CreateTopicAsync(client, topic, 2);
        await ProduceAsync(topic, 0, 7);

        async Task<OffsetForLeaderEpochResponse.EpochEndOffset> AskAsync(int partition, int epoch, int currentEpoch = -1, int replicaId = -1)
        {
            var request = new OffsetForLeaderEpochRequest { ReplicaId = version >= 3 ? replicaId : -2 };
            request.Topics.Add(new OffsetForLeaderEpochRequest.OffsetForLeaderTopic
            {
                Topic = topic,
                Partitions = [new OffsetForLeaderEpochRequest.OffsetForLeaderPartition { Partition = partition, LeaderEpoch = epoch, CurrentLeaderEpoch = version >= 2 ? currentEpoch : -1 }],
            });
            var response = await client.RequestAsync<OffsetForLeaderEpochResponse>(ApiKey.OffsetForLeaderEpoch, version, request);
            Assert.Equal(topic, response.Topics[0].Topic);
            Assert.Equal(partition, response.Topics[0].Partitions[0].Partition);
            return response.Topics[0].Partitions[0];
        }

        var answeredEpoch = version >= 1 ? 0 : -1; // the epoch is in the response from v1
        var latest = await AskAsync(0, 0);
        Assert.Equal((0, answeredEpoch, 7L), (latest.ErrorCode, latest.LeaderEpoch, latest.EndOffset));
        var empty = await AskAsync(1, 0, replicaId: -2);
        Assert.Equal((0, answeredEpoch, 0L), (empty.ErrorCode, empty.LeaderEpoch, empty.EndOffset));
        var future = await AskAsync(0, 3);
        Assert.Equal((0, -1, -1L), (future.ErrorCode, future.LeaderEpoch, future.EndOffset));
        var unknown = await AskAsync(5, 0);
        Assert.Equal(((short)ErrorCode.UnknownTopicOrPartition, -1L), (unknown.ErrorCode, unknown.EndOffset));

        if (version >= 2)
        {
            Assert.Equal(0, (await AskAsync(0, 0, currentEpoch: 0)).ErrorCode);
            Assert.Equal((short)ErrorCode.UnknownLeaderEpoch, (await AskAsync(0, 0, currentEpoch: 1)).ErrorCode);

            // A leader change this single node never makes by itself: the client's epoch 1 is now stale.
            var partition = Runtime.Replicas.Get(topic, 0)!;
            partition.MakeLeader(2, partition.PartitionEpoch, partition.Replicas, partition.Isr);
            try
            {
                var fenced = await AskAsync(0, 0, currentEpoch: 1);
                Assert.Equal(((short)ErrorCode.FencedLeaderEpoch, -1L), (fenced.ErrorCode, fenced.EndOffset));
                Assert.Equal((short)ErrorCode.UnknownLeaderEpoch, (await AskAsync(0, 0, currentEpoch: 3)).ErrorCode);
                Assert.Equal(7, (await AskAsync(0, 0, currentEpoch: 2)).EndOffset);
            }
            finally
            {
                partition.MakeLeader(0, partition.PartitionEpoch, partition.Replicas, partition.Isr);
            }
        }
    }

    [Fact]
    public async Task DescribeProducers_lists_the_idempotent_producer_of_each_partition()
    {
        var topic = NewTopic("dp");
        await using var client = await ConnectAsync();
        await CreateTopicAsync(client, topic, 2);
        var produced = await PythonClient.RunAsync("confluent_client.py", broker.Bootstrap, "idempotent", topic, "300");
        var perPartition = produced.GetProperty("per_partition");

        var request = new DescribeProducersRequest();
        request.Topics.Add(new DescribeProducersRequest.TopicRequest { Name = topic, PartitionIndexes = [0, 1, 9] });
        request.Topics.Add(new DescribeProducersRequest.TopicRequest { Name = "missing-" + topic, PartitionIndexes = [0] });
        var response = await client.RequestAsync<DescribeProducersResponse>(ApiKey.DescribeProducers, 0, request);

        var partitions = response.Topics[0].Partitions;
        Assert.Equal([0, 1, 9], partitions.Select(p => p.PartitionIndex));
        long? producerId = null;
        for (var p = 0; p < 2; p++)
        {
            Assert.Equal(0, partitions[p].ErrorCode);
            var state = Assert.Single(partitions[p].ActiveProducers);
            producerId ??= state.ProducerId;
            Assert.Equal(producerId, state.ProducerId); // one producer wrote both partitions
            Assert.True(state.ProducerId >= 0);
            Assert.Equal(0, state.ProducerEpoch);
            Assert.Equal(perPartition.GetProperty(p.ToString(System.Globalization.CultureInfo.InvariantCulture)).GetInt32() - 1, state.LastSequence);
            Assert.True(state.LastTimestamp > 1_600_000_000_000, $"timestamp {state.LastTimestamp}");
            Assert.Equal(-1, state.CurrentTxnStartOffset);
        }

        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, partitions[2].ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, response.Topics[1].Partitions[0].ErrorCode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task DescribeLogDirs_reports_each_partition_size_growing_with_produce(short version)
    {
        var topic = NewTopic("ld");
        await using var client = await ConnectAsync();
        await CreateTopicAsync(client, topic, 2);

        async Task<DescribeLogDirsResponse.DescribeLogDirsResult> DescribeAsync(List<DescribeLogDirsRequest.DescribableLogDirTopic>? topics)
        {
            var response = await client.RequestAsync<DescribeLogDirsResponse>(ApiKey.DescribeLogDirs, version, new DescribeLogDirsRequest { Topics = topics });
            Assert.Equal(0, response.ErrorCode);
            var dir = Assert.Single(response.Results);
            Assert.Equal(0, dir.ErrorCode);
            Assert.Equal(Path.GetFullPath(broker.DataDir), dir.LogDir);
            if (version >= 4)
            {
                Assert.True(dir.TotalBytes > 0 && dir.UsableBytes > 0 && dir.UsableBytes <= dir.TotalBytes, $"{dir.TotalBytes} {dir.UsableBytes}");
            }
            else
            {
                Assert.Equal(-1, dir.TotalBytes); // not in the version: the schema's default
            }

            return dir;
        }

        Dictionary<int, DescribeLogDirsResponse.DescribeLogDirsPartition> PartitionsOf(DescribeLogDirsResponse.DescribeLogDirsResult dir) =>
            Assert.Single(dir.Topics, t => t.Name == topic).Partitions.ToDictionary(p => p.PartitionIndex);

        var before = PartitionsOf(await DescribeAsync(null)); // null: every partition of the broker
        Assert.Equal([0, 1], before.Keys.Order());
        Assert.All(before.Values, p => Assert.True(p.PartitionSize == 0 && p.OffsetLag == 0 && !p.IsFutureKey));

        await ProduceAsync(topic, 1, 20);
        var filter = new List<DescribeLogDirsRequest.DescribableLogDirTopic> { new() { Topic = topic, Partitions = [1] } };
        var afterDir = await DescribeAsync(filter);
        var after = Assert.Single(Assert.Single(afterDir.Topics).Partitions);
        Assert.Equal(1, after.PartitionIndex);
        var expected = Runtime.Logs.GetLog(new Weir.Storage.TopicPartition(topic, 1))!.Size;
        Assert.True(after.PartitionSize > 0 && after.PartitionSize == expected, $"{after.PartitionSize} vs {expected}");
        Assert.Equal(0, after.OffsetLag);

        var unknown = await DescribeAsync([new() { Topic = "missing-" + topic, Partitions = [0] }]);
        Assert.Empty(unknown.Topics);
    }

    private BrokerRuntime Runtime => broker.Host.Services.GetRequiredService<BrokerRuntime>();

    private int PartitionCount(string topic) => Runtime.Metadata.Image.TopicsByName[topic].Partitions.Length;
}
