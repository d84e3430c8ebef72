using System.Collections.Concurrent;
using Weir.Client.Consumer;

namespace Weir.Client.Tests;

public sealed class ConsumerGroupTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    /// <summary>A consumer polling in the background, as an application would.</summary>
    private sealed class Member : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public Member(ConsumerOptions options, string topic, Func<Member, IReadOnlyList<ConsumeResult>, Task>? onRecords = null)
        {
            Consumer = new KafkaConsumer(options);
            Consumer.PartitionsAssigned = parts =>
            {
                Events.Enqueue("+" + string.Join(',', parts.Select(p => p.Partition).Order()));
                return Task.CompletedTask;
            };
            Consumer.PartitionsRevoked = async parts =>
            {
                Events.Enqueue("-" + string.Join(',', parts.Select(p => p.Partition).Order()));
                if (!options.EnableAutoCommit)
                {
                    await Consumer.CommitAsync();
                }
            };
            Consumer.Subscribe([topic]);
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        var records = await Consumer.PollAsync(TimeSpan.FromMilliseconds(100), _stop.Token);
                        if (onRecords is not null && records.Count > 0)
                        {
                            await onRecords(this, records);
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            });
        }

        public KafkaConsumer Consumer { get; }

        public ConcurrentQueue<string> Events { get; } = new();

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            await Consumer.DisposeAsync();
            _stop.Dispose();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        while (!condition())
        {
            Assert.False(cts.IsCancellationRequested, "Timed out waiting until " + what);
            await Task.Delay(50);
        }
    }

    private static bool Splits(IReadOnlyList<Member> members, int partitions, int each)
    {
        var all = members.SelectMany(m => m.Consumer.Assignment).ToList();
        return all.Count == partitions && all.Distinct().Count() == partitions
            && members.All(m => m.Consumer.Assignment.Count == each);
    }

    [Theory]
    [InlineData("range")]
    [InlineData("roundrobin")]
    [InlineData("cooperative-sticky")]
    public async Task Three_members_split_six_partitions_and_a_leaver_hands_its_partitions_over(string assignor)
    {
        var topic = ConsumerTestKit.NewTopic("split-" + assignor);
        var group = ConsumerTestKit.NewTopic("g");
        await ConsumerTestKit.CreateTopicAsync(broker.Bootstrap, topic, 6);
        var options = () => ConsumerTestKit.Options(broker.Bootstrap, group, o => o.PartitionAssignmentStrategy = [assignor]);
        var members = new List<Member> { new(options(), topic), new(options(), topic), new(options(), topic) };
        try
        {
            await WaitUntilAsync(() => Splits(members, 6, 2), "three members own two partitions each");
            Assert.All(members, m => Assert.Equal(assignor, m.Consumer.AssignmentStrategy));
            Assert.Single(members.Select(m => m.Consumer.GenerationId).Distinct());

            var leaver = members[0];
            members.RemoveAt(0);
            await leaver.DisposeAsync();
            await WaitUntilAsync(() => Splits(members, 6, 3), "the two remaining members own three partitions each");
        }
        finally
        {
            foreach (var member in members)
            {
                await member.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Cooperative_sticky_revokes_only_the_partitions_that_move()
    {
        var topic = ConsumerTestKit.NewTopic("coop");
        var group = ConsumerTestKit.NewTopic("g");
        await ConsumerTestKit.CreateTopicAsync(broker.Bootstrap, topic, 6);
        var options = () => ConsumerTestKit.Options(broker.Bootstrap, group, o => o.PartitionAssignmentStrategy = ["cooperative-sticky"]);
        await using var first = new Member(options(), topic);
        await WaitUntilAsync(() => first.Consumer.Assignment.Count == 6, "the first member owns all six");
        var before = first.Consumer.Assignment.ToHashSet();

        await using var second = new Member(options(), topic);
        await WaitUntilAsync(() => Splits([first, second], 6, 3), "two members own three each");
        var kept = first.Consumer.Assignment.ToHashSet();
        Assert.Subset(before, kept);

        // The first member was told to give up exactly the three that moved, and never lost the rest.
        var revoked = first.Events.Where(e => e.StartsWith('-')).ToList();
        var revokedPartitions = revoked.SelectMany(e => e[1..].Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse).ToList();
        Assert.Equal(second.Consumer.Assignment.Select(p => p.Partition).Order(), revokedPartitions.Order());
        Assert.DoesNotContain(revokedPartitions, p => kept.Contains(new TopicPartition(topic, p)));
        Assert.Equal(["+0,1,2,3,4,5"], first.Events.Where(e => e.StartsWith('+') && e.Length > 1));
    }

    [Fact]
    public async Task No_record_is_lost_or_duplicated_across_a_rebalance_with_manual_commits()
    {
        var topic = ConsumerTestKit.NewTopic("exactly");
        var group = ConsumerTestKit.NewTopic("g");
        await ConsumerTestKit.CreateTopicAsync(broker.Bootstrap, topic, 6);
        const int total = 3000;
        var seen = new ConcurrentDictionary<string, int>();
        async Task OnRecords(Member member, IReadOnlyList<ConsumeResult> records)
        {
            foreach (var record in records)
            {
                seen.AddOrUpdate(record.ValueString!, 1, (_, n) => n + 1);
            }

            await member.Consumer.CommitAsync();
        }

        var options = () => ConsumerTestKit.Options(broker.Bootstrap, group, o =>
        {
            o.EnableAutoCommit = false;
            o.MaxPollRecords = 50;
        });
        await ConsumerTestKit.ProduceAsync(broker.Bootstrap, topic, Enumerable.Range(0, total / 2).Select(i => $"k{i}:v{i}"));
        await using var first = new Member(options(), topic, OnRecords);
        await WaitUntilAsync(() => seen.Count > 100, "the first member consumes");
        await using var second = new Member(options(), topic, OnRecords);
        await ConsumerTestKit.ProduceAsync(broker.Bootstrap, topic, Enumerable.Range(total / 2, total / 2).Select(i => $"k{i}:v{i}"));
        await using var third = new Member(options(), topic, OnRecords);
        await WaitUntilAsync(() => seen.Count == total && Splits([first, second, third], 6, 2), "every record is consumed and the group settled");
        Assert.All(seen, pair => Assert.True(pair.Value == 1, $"{pair.Key} consumed {pair.Value} times"));
    }

    [Fact]
    public async Task A_pattern_subscription_consumes_every_matching_topic_and_no_other()
    {
        var prefix = ConsumerTestKit.NewTopic("pattern");
        await ConsumerTestKit.CreateTopicAsync(broker.Bootstrap, prefix + "-a", 1);
        await ConsumerTestKit.CreateTopicAsync(broker.Bootstrap, prefix + "-b", 2);
        await ConsumerTestKit.CreateTopicAsync(broker.Bootstrap, "not-" + prefix, 1);
        await ConsumerTestKit.ProduceAsync(broker.Bootstrap, prefix + "-a", ["k:a"], partition: 0);
        await ConsumerTestKit.ProduceAsync(broker.Bootstrap, prefix + "-b", ["k:b"], partition: 1);
        await ConsumerTestKit.ProduceAsync(broker.Bootstrap, "not-" + prefix, ["k:other"], partition: 0);
        await using var consumer = new KafkaConsumer(ConsumerTestKit.Options(broker.Bootstrap, ConsumerTestKit.NewTopic("g")));
        consumer.Subscribe(new System.Text.RegularExpressions.Regex("^" + prefix + "-.*$"));
        var records = await ConsumerTestKit.ReadAsync(consumer, 2);
        Assert.Equal(["a", "b"], records.Select(r => r.ValueString).Order(StringComparer.Ordinal));
        Assert.Equal(3, consumer.Assignment.Count);
        Assert.Equal([prefix + "-a", prefix + "-b"], consumer.Subscription.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Dispose_leaves_the_group_so_the_partitions_move_at_once()
    {
        var topic = ConsumerTestKit.NewTopic("leave");
        var group = ConsumerTestKit.NewTopic("g");
        await ConsumerTestKit.CreateTopicAsync(broker.Bootstrap, topic, 2);
        var options = () => ConsumerTestKit.Options(broker.Bootstrap, group, o => o.SessionTimeout = TimeSpan.FromSeconds(30));
        await using var stays = new Member(options(), topic);
        var leaves = new Member(options(), topic);
        await WaitUntilAsync(() => Splits([stays, leaves], 2, 1), "two members own one partition each");

        // LeaveGroup hands the partition over well before the 30 s session timeout would.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await leaves.DisposeAsync();
        await WaitUntilAsync(() => stays.Consumer.Assignment.Count == 2, "the remaining member owns both partitions");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"hand-over took {clock.Elapsed}");
    }
}
