using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Weir.Broker.Fetch;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Broker.Tests;

/// <summary>
/// KIP-227 incremental fetch sessions over the raw protocol. The installed clients never open a
/// session (librdkafka 2.0.2 always sends session 0 / epoch -1; kafka-python 2.0.2 stops at Fetch
/// v4), so these requests are the proof of the incremental path.
/// </summary>
public sealed class FetchSessionTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const short Version = 12;

    private Task<RawConnection> ConnectAsync() => RawConnection.ConnectAsync(broker.Host.BoundEndPoints[0]);

    private FetchSessionCache Sessions => broker.Host.Services.GetRequiredService<BrokerRuntime>().FetchSessions;

    [Fact]
    public async Task Initial_fetch_opens_a_session_and_answers_every_partition()
    {
        var (topic, _) = await CreateTopicAsync();
        using var connection = await ConnectAsync();
        await ProduceAsync(connection, topic, 0, 5);

        var response = await FetchAsync(connection, Request(0, 0, (topic, 0, 0), (topic, 1, 0)));

        Assert.Equal(0, response.ErrorCode);
        Assert.NotEqual(0, response.SessionId);
        var partitions = Assert.Single(response.Responses).Partitions;
        Assert.Equal([0, 1], partitions.Select(p => p.PartitionIndex));
        Assert.Equal(5, partitions[0].HighWatermark);
        Assert.True(partitions[0].Records!.Value.Length > 0);
        Assert.Equal(0, partitions[1].HighWatermark);
        Assert.Equal(0, partitions[1].Records!.Value.Length);
    }

    [Fact]
    public async Task Incremental_fetch_answers_only_what_changed()
    {
        var (topic, _) = await CreateTopicAsync();
        using var connection = await ConnectAsync();
        await ProduceAsync(connection, topic, 0, 5);
        var sessionId = (await FetchAsync(connection, Request(0, 0, (topic, 0, 0), (topic, 1, 0)))).SessionId;

        // The client moves partition 0 past what it got; nothing else is new.
        var quiet = await FetchAsync(connection, Request(sessionId, 1, (topic, 0, 5)));
        Assert.Equal(0, quiet.ErrorCode);
        Assert.Equal(sessionId, quiet.SessionId);
        Assert.Empty(quiet.Responses);

        // Nothing named: the session still reads both partitions, and partition 1 has new data.
        await ProduceAsync(connection, topic, 1, 3);
        var changed = await FetchAsync(connection, Request(sessionId, 2));
        Assert.Equal(0, changed.ErrorCode);
        Assert.Equal(sessionId, changed.SessionId);
        var only = Assert.Single(Assert.Single(changed.Responses).Partitions);
        Assert.Equal(1, only.PartitionIndex);
        Assert.Equal(3, only.HighWatermark);
        Assert.True(only.Records!.Value.Length > 0);

        // Records not yet acknowledged by a new offset are sent again, as Kafka does.
        var again = await FetchAsync(connection, Request(sessionId, 3));
        Assert.Equal(1, Assert.Single(Assert.Single(again.Responses).Partitions).PartitionIndex);
        var caughtUp = await FetchAsync(connection, Request(sessionId, 4, (topic, 1, 3)));
        Assert.Empty(caughtUp.Responses);
    }

    [Fact]
    public async Task Incremental_fetch_long_polls_until_an_append()
    {
        var (topic, _) = await CreateTopicAsync();
        using var connection = await ConnectAsync();
        var sessionId = (await FetchAsync(connection, Request(0, 0, (topic, 0, 0), (topic, 1, 0)))).SessionId;

        var watch = Stopwatch.StartNew();
        var waiting = FetchAsync(connection, WithWait(Request(sessionId, 1), 30_000));
        using (var producer = await ConnectAsync())
        {
            await ProduceAsync(producer, topic, 1, 2);
        }

        var response = await waiting;
        watch.Stop();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        var only = Assert.Single(Assert.Single(response.Responses).Partitions);
        Assert.Equal(1, only.PartitionIndex);
        Assert.True(only.Records!.Value.Length > 0);
    }

    [Fact]
    public async Task Incremental_fetch_with_nothing_new_waits_max_wait_ms()
    {
        var (topic, _) = await CreateTopicAsync();
        using var connection = await ConnectAsync();
        var sessionId = (await FetchAsync(connection, Request(0, 0, (topic, 0, 0)))).SessionId;

        var watch = Stopwatch.StartNew();
        var response = await FetchAsync(connection, WithWait(Request(sessionId, 1), 300));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(250), $"took {watch.Elapsed}");
        Assert.Equal(0, response.ErrorCode);
        Assert.Empty(response.Responses);
    }

    [Fact]
    public async Task Wrong_epoch_is_invalid_fetch_session_epoch_and_leaves_the_session_usable()
    {
        var (topic, _) = await CreateTopicAsync();
        using var connection = await ConnectAsync();
        var sessionId = (await FetchAsync(connection, Request(0, 0, (topic, 0, 0)))).SessionId;

        var wrong = await FetchAsync(connection, Request(sessionId, 7));
        Assert.Equal((short)ErrorCode.InvalidFetchSessionEpoch, wrong.ErrorCode);
        Assert.Equal(0, wrong.SessionId);
        Assert.Empty(wrong.Responses);

        var right = await FetchAsync(connection, Request(sessionId, 1));
        Assert.Equal(0, right.ErrorCode);
        Assert.Equal(sessionId, right.SessionId);

        // A replayed epoch is stale too.
        var replay = await FetchAsync(connection, Request(sessionId, 1));
        Assert.Equal((short)ErrorCode.InvalidFetchSessionEpoch, replay.ErrorCode);
    }

    [Fact]
    public async Task Unknown_session_id_is_fetch_session_id_not_found()
    {
        var (topic, _) = await CreateTopicAsync();
        using var connection = await ConnectAsync();
        var unknown = await FetchAsync(connection, Request(123_456_789, 1, (topic, 0, 0)));
        Assert.Equal((short)ErrorCode.FetchSessionIdNotFound, unknown.ErrorCode);
        Assert.Equal(0, unknown.SessionId);
        Assert.Empty(unknown.Responses);
    }

    [Fact]
    public async Task Forgotten_partitions_leave_the_session()
    {
        var (topic, _) = await CreateTopicAsync();
        using var connection = await ConnectAsync();
        var sessionId = (await FetchAsync(connection, Request(0, 0, (topic, 0, 0), (topic, 1, 0)))).SessionId;

        var forget = Request(sessionId, 1);
        forget.ForgottenTopicsData.Add(new FetchRequest.ForgottenTopic { Topic = topic, Partitions = [1] });
        Assert.Empty((await FetchAsync(connection, forget)).Responses);

        await ProduceAsync(connection, topic, 1, 4);
        Assert.Empty((await FetchAsync(connection, Request(sessionId, 2))).Responses);

        await ProduceAsync(connection, topic, 0, 1);
        var response = await FetchAsync(connection, Request(sessionId, 3));
        Assert.Equal(0, Assert.Single(Assert.Single(response.Responses).Partitions).PartitionIndex);

        // Forgetting the last partition ends the session.
        var last = Request(sessionId, 4);
        last.ForgottenTopicsData.Add(new FetchRequest.ForgottenTopic { Topic = topic, Partitions = [0] });
        var ended = await FetchAsync(connection, last);
        Assert.Equal(0, ended.ErrorCode);
        Assert.Equal(0, ended.SessionId);
        Assert.Equal((short)ErrorCode.FetchSessionIdNotFound, (await FetchAsync(connection, Request(sessionId, 5))).ErrorCode);
    }

    [Fact]
    public async Task Final_epoch_closes_the_session_and_answers_in_full()
    {
        var (topic, _) = await CreateTopicAsync();
        using var connection = await ConnectAsync();
        await ProduceAsync(connection, topic, 0, 2);
        var sessionId = (await FetchAsync(connection, Request(0, 0, (topic, 0, 0), (topic, 1, 0)))).SessionId;

        var closing = await FetchAsync(connection, Request(sessionId, FetchMetadata.FinalEpoch, (topic, 0, 0), (topic, 1, 0)));
        Assert.Equal(0, closing.ErrorCode);
        Assert.Equal(0, closing.SessionId);
        Assert.Equal(2, Assert.Single(closing.Responses).Partitions.Count);

        Assert.Equal((short)ErrorCode.FetchSessionIdNotFound, (await FetchAsync(connection, Request(sessionId, 1))).ErrorCode);
    }

    [Fact]
    public async Task Initial_epoch_with_an_old_id_replaces_that_session()
    {
        var (topic, _) = await CreateTopicAsync();
        using var connection = await ConnectAsync();
        var first = (await FetchAsync(connection, Request(0, 0, (topic, 0, 0)))).SessionId;
        var second = (await FetchAsync(connection, Request(first, 0, (topic, 0, 0)))).SessionId;

        Assert.NotEqual(0, second);
        Assert.NotEqual(first, second);
        Assert.Equal((short)ErrorCode.FetchSessionIdNotFound, (await FetchAsync(connection, Request(first, 1))).ErrorCode);
        Assert.Equal(0, (await FetchAsync(connection, Request(second, 1))).ErrorCode);
    }

    [Fact]
    public async Task Sessionless_fetch_answers_every_partition_each_time()
    {
        var (topic, _) = await CreateTopicAsync();
        using var connection = await ConnectAsync();
        await ProduceAsync(connection, topic, 0, 3);
        var before = Sessions.Created;

        for (var round = 0; round < 2; round++)
        {
            var response = await FetchAsync(connection, Request(0, FetchMetadata.FinalEpoch, (topic, 0, 3), (topic, 1, 0)));
            Assert.Equal(0, response.ErrorCode);
            Assert.Equal(0, response.SessionId);
            var partitions = Assert.Single(response.Responses).Partitions;
            Assert.Equal([0, 1], partitions.Select(p => p.PartitionIndex));
            Assert.Equal(3, partitions[0].HighWatermark);
        }

        Assert.Equal(before, Sessions.Created);
    }

    [Fact]
    public async Task Topic_id_sessions_report_unknown_ids_per_partition_and_reject_name_requests()
    {
        var (topic, topicId) = await CreateTopicAsync();
        var missing = Guid.NewGuid();
        using var connection = await ConnectAsync();
        await ProduceAsync(connection, topic, 0, 2);

        var full = await FetchAsync(connection, ById(0, 0, (topicId, 0, 0), (missing, 0, 0)), version: 13);
        Assert.Equal(0, full.ErrorCode);
        Assert.NotEqual(0, full.SessionId);
        Assert.Equal([topicId, missing], full.Responses.Select(t => t.TopicId));
        Assert.Equal((short)ErrorCode.UnknownTopicId, Assert.Single(full.Responses[1].Partitions).ErrorCode);

        // The known partition has nothing new; the unknown one keeps its error, which is always sent.
        var incremental = await FetchAsync(connection, ById(full.SessionId, 1, (topicId, 0, 2)), version: 13);
        Assert.Equal(0, incremental.ErrorCode);
        var errored = Assert.Single(incremental.Responses);
        Assert.Equal(missing, errored.TopicId);
        Assert.Equal((short)ErrorCode.UnknownTopicId, Assert.Single(errored.Partitions).ErrorCode);

        // A session made with topic ids cannot continue with names, nor the reverse.
        var byName = await FetchAsync(connection, Request(full.SessionId, 2));
        Assert.Equal((short)ErrorCode.FetchSessionTopicIdError, byName.ErrorCode);
        var nameSession = (await FetchAsync(connection, Request(0, 0, (topic, 0, 0)))).SessionId;
        Assert.Equal((short)ErrorCode.FetchSessionTopicIdError, (await FetchAsync(connection, ById(nameSession, 1), version: 13)).ErrorCode);
    }

    [Fact]
    public async Task Cache_is_bounded_and_evicts_the_least_recently_used_session()
    {
        var dir = Path.Combine(Path.GetTempPath(), "weir-test-" + Guid.NewGuid().ToString("N"));
        await using (var host = await BrokerFixture.StartAsync(dir, new Dictionary<string, string> { ["max.incremental.fetch.session.cache.slots"] = "2" }))
        {
            using var connection = await RawConnection.ConnectAsync(host.BoundEndPoints[0]);
            var topic = "evict-" + Guid.NewGuid().ToString("N")[..8];
            await CreateTopicAsync(connection, topic);
            var a = (await FetchAsync(connection, Request(0, 0, (topic, 0, 0)))).SessionId;
            var b = (await FetchAsync(connection, Request(0, 0, (topic, 0, 0)))).SessionId;
            Assert.Equal(0, (await FetchAsync(connection, Request(a, 1))).ErrorCode); // a is now newer than b
            var c = (await FetchAsync(connection, Request(0, 0, (topic, 0, 0)))).SessionId;

            Assert.NotEqual(0, c);
            var sessions = host.Services.GetRequiredService<BrokerRuntime>().FetchSessions;
            Assert.Equal(2, sessions.Count);
            Assert.Equal(3, sessions.Created);
            Assert.Equal(1, sessions.Evictions);
            Assert.Equal((short)ErrorCode.FetchSessionIdNotFound, (await FetchAsync(connection, Request(b, 1))).ErrorCode);
            Assert.Equal(0, (await FetchAsync(connection, Request(a, 2))).ErrorCode);
            Assert.Equal(0, (await FetchAsync(connection, Request(c, 1))).ErrorCode);
        }

        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task No_slots_means_no_sessions()
    {
        var dir = Path.Combine(Path.GetTempPath(), "weir-test-" + Guid.NewGuid().ToString("N"));
        await using (var host = await BrokerFixture.StartAsync(dir, new Dictionary<string, string> { ["max.incremental.fetch.session.cache.slots"] = "0" }))
        {
            using var connection = await RawConnection.ConnectAsync(host.BoundEndPoints[0]);
            var topic = "noslot-" + Guid.NewGuid().ToString("N")[..8];
            await CreateTopicAsync(connection, topic);
            var response = await FetchAsync(connection, Request(0, 0, (topic, 0, 0)));
            Assert.Equal(0, response.ErrorCode);
            Assert.Equal(0, response.SessionId);
            Assert.Single(Assert.Single(response.Responses).Partitions);
        }

        Directory.Delete(dir, recursive: true);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(int.MaxValue, 1)]
    [InlineData(-1, -1)]
    public void Epochs_advance_and_wrap_past_zero(int epoch, int next) => Assert.Equal(next, FetchMetadata.NextEpoch(epoch));

    /// <summary>A name-based request, answered at once unless <see cref="WithWait"/> says otherwise.</summary>
    private static FetchRequest Request(int sessionId, int epoch, params (string Topic, int Partition, long FetchOffset)[] partitions)
    {
        var request = new FetchRequest { ReplicaId = -1, MaxWaitMs = 0, MinBytes = 1, MaxBytes = 1 << 20, SessionId = sessionId, SessionEpoch = epoch };
        foreach (var (name, partition, offset) in partitions)
        {
            var topic = request.Topics.LastOrDefault(t => t.Topic == name);
            if (topic is null)
            {
                topic = new FetchRequest.FetchTopic { Topic = name };
                request.Topics.Add(topic);
            }

            topic.Partitions.Add(new FetchRequest.FetchPartition { Partition = partition, FetchOffset = offset, PartitionMaxBytes = 1 << 20, LogStartOffset = -1 });
        }

        return request;
    }

    private static FetchRequest WithWait(FetchRequest request, int maxWaitMs)
    {
        request.MaxWaitMs = maxWaitMs;
        return request;
    }

    private static FetchRequest ById(int sessionId, int epoch, params (Guid TopicId, int Partition, long FetchOffset)[] partitions)
    {
        var request = new FetchRequest { ReplicaId = -1, MaxWaitMs = 0, MinBytes = 1, MaxBytes = 1 << 20, SessionId = sessionId, SessionEpoch = epoch };
        foreach (var (topicId, partition, offset) in partitions)
        {
            request.Topics.Add(new FetchRequest.FetchTopic
            {
                TopicId = topicId,
                Partitions = [new FetchRequest.FetchPartition { Partition = partition, FetchOffset = offset, PartitionMaxBytes = 1 << 20, LogStartOffset = -1 }],
            });
        }

        return request;
    }

    private static Task<FetchResponse> FetchAsync(RawConnection connection, FetchRequest request, short version = Version) =>
        connection.RequestAsync<FetchResponse>(ApiKey.Fetch, version, request);

    private async Task<(string Name, Guid Id)> CreateTopicAsync()
    {
        using var connection = await ConnectAsync();
        var name = "fs-" + Guid.NewGuid().ToString("N")[..8];
        return (name, await CreateTopicAsync(connection, name));
    }

    private static async Task<Guid> CreateTopicAsync(RawConnection connection, string name)
    {
        var topic = new CreateTopicsRequest.CreatableTopic { Name = name, NumPartitions = 2, ReplicationFactor = 1 };
        var response = await connection.RequestAsync<CreateTopicsResponse>(ApiKey.CreateTopics, 7, new CreateTopicsRequest { Topics = [topic], timeoutMs = 5000 });
        var created = Assert.Single(response.Topics);
        Assert.Equal(0, created.ErrorCode);
        return created.TopicId;
    }

    private static async Task ProduceAsync(RawConnection connection, string topic, int partition, int count)
    {
        var request = new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 5000,
            TopicData = [new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new ProduceRequest.PartitionProduceData { Index = partition, Records = TestBatches.Build(count) }] }],
        };
        var response = await connection.RequestAsync<ProduceResponse>(ApiKey.Produce, 9, request);
        Assert.Equal(0, Assert.Single(Assert.Single(response.Responses).PartitionResponses).ErrorCode);
    }
}
