using Weir.Broker.Config;
using Weir.Broker.Controller;
using Weir.Broker.Metadata;
using Weir.Protocol;
using Weir.Protocol.Metadata;
using Weir.Storage;

namespace Weir.Broker.Tests.Controller;

/// <summary>
/// The controller socket-free, over a quorum whose commits the test makes: decisions are answered only once
/// committed, the state is what was committed (also by another leader), and refusals write nothing.
/// </summary>
public sealed class QuorumControllerTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static readonly Dictionary<string, string?> NoConfigs = [];

    private readonly ScriptedQuorum _quorum = new() { CommitOnAppend = true };
    private readonly RefusingCapacity _capacity = new();
    private readonly QuorumController _controller;
    private readonly MetadataLoader _loader = new("cluster");

    public QuorumControllerTests()
    {
        _quorum.Register(_loader);
        _controller = new QuorumController(_quorum, BrokerConfig.Default(Path.GetTempPath()), _capacity);
    }

    public void Dispose() => _controller.Dispose();

    private static TopicCreation Topic(string name, int partitions = 2) => new(name, partitions, 1, null, NoConfigs);

    private async Task RegisterAsync()
    {
        var reply = await _controller.RegisterBrokerAsync(new BrokerRegistrationInfo(1, Guid.NewGuid(), "PLAINTEXT", "localhost", 9092, null)).WaitAsync(Deadline);
        Assert.Equal(ErrorCode.None, reply.Error);
    }

    [Fact]
    public async Task A_decision_is_answered_only_once_committed_and_the_next_one_waits_for_that_commit()
    {
        await RegisterAsync();
        _quorum.CommitOnAppend = false;

        var first = _controller.CreateTopicAsync(Topic("t"), validateOnly: false);
        var second = _controller.CreateTopicAsync(Topic("t"), validateOnly: false);
        await WaitUntilAsync(() => _quorum.Appends == 2);

        // Appended, not committed: neither answered, and the duplicate has not been decided against stale state.
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);
        Assert.DoesNotContain("t", _loader.Image.TopicsByName.Keys);

        _quorum.CommitUpTo(_quorum.Appended.Count - 1);
        var created = await first.WaitAsync(Deadline);
        Assert.Equal(ErrorCode.None, created.Error);
        Assert.Equal(2, created.NumPartitions);
        Assert.Equal(created.TopicId, _loader.Image.TopicsByName["t"].Id);

        var duplicate = await second.WaitAsync(Deadline);
        Assert.Equal(ErrorCode.TopicAlreadyExists, duplicate.Error);
        Assert.Equal(2, _quorum.Appends);
    }

    [Fact]
    public async Task Records_another_leader_committed_are_the_controllers_state_too()
    {
        await RegisterAsync();
        var id = Guid.NewGuid();
        _quorum.CommitForeign(
            new TopicRecord { Name = "elsewhere", TopicId = id },
            new PartitionRecord { TopicId = id, PartitionId = 0, Replicas = [1], Isr = [1], Leader = 1 });

        var created = await _controller.CreateTopicAsync(Topic("elsewhere"), validateOnly: false).WaitAsync(Deadline);
        Assert.Equal(ErrorCode.TopicAlreadyExists, created.Error);

        var grown = await _controller.CreatePartitionsAsync("elsewhere", 3, null, validateOnly: false).WaitAsync(Deadline);
        Assert.Equal(ErrorCode.None, grown.Error);
        Assert.Equal(3, _loader.Image.TopicsByName["elsewhere"].Partitions.Length);
    }

    [Fact]
    public async Task A_broker_without_room_for_the_replicas_refuses_the_creation_and_nothing_is_written()
    {
        await RegisterAsync();
        var appends = _quorum.Appends;
        _capacity.Refusal = "Cannot create 2 partition(s) of full: Too many open files";

        var created = await _controller.CreateTopicAsync(Topic("full"), validateOnly: false).WaitAsync(Deadline);
        Assert.Equal(ErrorCode.KafkaStorageError, created.Error);
        Assert.Equal(_capacity.Refusal, created.Message);
        Assert.Equal(("full", 2), _capacity.LastAsked!.Value);

        // Only validating never asks for capacity; once there is room, the same creation goes through.
        Assert.Equal(ErrorCode.None, (await _controller.CreateTopicAsync(Topic("full"), validateOnly: true).WaitAsync(Deadline)).Error);
        Assert.Equal(appends, _quorum.Appends);
        _capacity.Refusal = null;
        Assert.Equal(ErrorCode.None, (await _controller.CreateTopicAsync(Topic("full"), validateOnly: false).WaitAsync(Deadline)).Error);
    }

    [Fact]
    public async Task A_failed_append_answers_KAFKA_STORAGE_ERROR_and_the_controller_keeps_working()
    {
        await RegisterAsync();
        _quorum.FailNextAppend = new KafkaStorageException("The metadata log cannot be written: disk gone", null);

        var failed = await _controller.CreateTopicAsync(Topic("a"), validateOnly: false).WaitAsync(Deadline);
        Assert.Equal(ErrorCode.KafkaStorageError, failed.Error);
        Assert.Contains("disk gone", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("a", _loader.Image.TopicsByName.Keys);

        Assert.Equal(ErrorCode.None, (await _controller.CreateTopicAsync(Topic("a"), validateOnly: false).WaitAsync(Deadline)).Error);
    }

    [Fact]
    public async Task Configs_and_deletion_are_decided_from_committed_state()
    {
        await RegisterAsync();
        var created = await _controller.CreateTopicAsync(Topic("c"), validateOnly: false).WaitAsync(Deadline);
        var set = await _controller.IncrementalAlterConfigsAsync(ConfigResourceKind.Topic, "c", [new ConfigAlteration("cleanup.policy", ConfigOperation.Append, "compact")], validateOnly: false).WaitAsync(Deadline);
        Assert.Equal(ErrorCode.None, set.Error);
        Assert.Equal("delete,compact", _loader.Image.ConfigsOf(ConfigResourceKind.Topic, "c")["cleanup.policy"]);

        Assert.Equal(ErrorCode.None, (await _controller.DeleteTopicAsync(created.TopicId).WaitAsync(Deadline)).Error);
        Assert.Equal(ErrorCode.UnknownTopicId, (await _controller.DeleteTopicAsync(created.TopicId).WaitAsync(Deadline)).Error);

        // The topic's configs went with it: a topic of that name starts with none.
        var unknown = await _controller.ReplaceConfigsAsync(ConfigResourceKind.Topic, "c", [("retention.ms", "1000")], validateOnly: false).WaitAsync(Deadline);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, unknown.Error);
        Assert.Equal(ErrorCode.None, (await _controller.CreateTopicAsync(Topic("c"), validateOnly: false).WaitAsync(Deadline)).Error);
        Assert.Empty(_loader.Image.ConfigsOf(ConfigResourceKind.Topic, "c"));
    }

    [Fact]
    public async Task Producer_id_blocks_follow_each_other_and_a_re_registration_with_the_same_endpoint_writes_nothing()
    {
        await RegisterAsync();
        var appends = _quorum.Appends;
        var again = await _controller.RegisterBrokerAsync(new BrokerRegistrationInfo(1, Guid.NewGuid(), "PLAINTEXT", "localhost", 9092, null)).WaitAsync(Deadline);
        Assert.Equal(ErrorCode.None, again.Error);
        Assert.Equal(0, again.BrokerEpoch);
        Assert.Equal(appends, _quorum.Appends);

        var first = await _controller.AllocateProducerIdsAsync(1, again.BrokerEpoch).WaitAsync(Deadline);
        var second = await _controller.AllocateProducerIdsAsync(1, again.BrokerEpoch).WaitAsync(Deadline);
        Assert.Equal(new ProducerIdBlock(ErrorCode.None, 0, 1000), first);
        Assert.Equal(new ProducerIdBlock(ErrorCode.None, 1000, 1000), second);
        Assert.Equal(2000, _loader.Image.NextProducerId);
    }

    [Fact]
    public async Task A_request_cancelled_before_it_runs_writes_nothing_and_a_stopped_controller_refuses_work()
    {
        await RegisterAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var appends = _quorum.Appends;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _controller.CreateTopicAsync(Topic("x"), false, cancelled.Token).WaitAsync(Deadline));
        Assert.Equal(appends, _quorum.Appends);

        _controller.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => _controller.CreateTopicAsync(Topic("x"), false).WaitAsync(Deadline));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "condition not met in time");
            await Task.Delay(10);
        }
    }

    private sealed class RefusingCapacity : IReplicaCapacity
    {
        public string? Refusal { get; set; }

        public (string Topic, int Count)? LastAsked { get; private set; }

        public string? CheckNewReplicas(string topic, int count)
        {
            LastAsked = (topic, count);
            return Refusal;
        }
    }
}
