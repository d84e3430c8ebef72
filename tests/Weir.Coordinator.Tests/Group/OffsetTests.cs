using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Coordinator.Tests.Group;

public sealed class OffsetTests
{
    [Fact]
    public async Task Member_commits_are_checked_against_generation_and_membership()
    {
        using var h = new CoordinatorHarness();
        var (a, _) = await MembershipTests.TwoStableMembers(h);

        Assert.Equal(ErrorCode.None, await h.Commit("g", a, 1, "orders", 0, 42));
        Assert.Equal(42, await h.Fetch("g", "orders", 0));
        Assert.Equal(-1, await h.Fetch("g", "orders", 1));

        Assert.Equal(ErrorCode.IllegalGeneration, await h.Commit("g", a, 2, "orders", 0, 50));
        Assert.Equal(ErrorCode.UnknownMemberId, await h.Commit("g", "ghost", 1, "orders", 0, 50));
        // A simple commit into a group with members is refused.
        Assert.Equal(ErrorCode.UnknownMemberId, await h.Commit("g", "", -1, "orders", 0, 50));
        Assert.Equal(42, await h.Fetch("g", "orders", 0));

        // Unknown group with a real generation: v9 says GROUP_ID_NOT_FOUND, older versions ILLEGAL_GENERATION.
        Assert.Equal(ErrorCode.GroupIdNotFound, await h.Commit("nogroup", "m", 1, "orders", 0, 1, version: 9));
        Assert.Equal(ErrorCode.IllegalGeneration, await h.Commit("nogroup", "m", 1, "orders", 0, 1, version: 8));
    }

    [Fact]
    public async Task Commit_during_completing_rebalance_is_rebalance_in_progress()
    {
        using var h = new CoordinatorHarness();
        var join = await h.JoinWithRequiredId("g");
        h.Time.AdvanceMs(CoordinatorHarness.InitialDelayMs);
        var joined = await join;
        Assert.Equal(ErrorCode.RebalanceInProgress, await h.Commit("g", joined.MemberId, 1, "orders", 0, 1));
    }

    [Fact]
    public async Task Simple_commit_creates_an_empty_group_and_metadata_size_is_limited()
    {
        using var h = new CoordinatorHarness();
        Assert.Equal(ErrorCode.None, await h.Commit("simple", "", -1, "orders", 3, 7, metadata: "hello"));
        Assert.Equal(7, await h.Fetch("simple", "orders", 3));
        var described = await h.Describe("simple");
        Assert.Equal("Empty", described.GroupState);
        Assert.Equal("", described.ProtocolType);

        Assert.Equal(ErrorCode.OffsetMetadataTooLarge,
            await h.Commit("simple", "", -1, "orders", 3, 8, metadata: new string('x', 4097)));
        Assert.Equal(7, await h.Fetch("simple", "orders", 3));
    }

    [Fact]
    public async Task Fetch_all_with_null_topics_and_old_versions()
    {
        using var h = new CoordinatorHarness();
        await h.Commit("simple", "", -1, "orders", 0, 10, metadata: "m");
        await h.Commit("simple", "", -1, "refunds", 2, 20);

        var v8 = await h.Coordinator.OffsetFetchAsync(
            new OffsetFetchRequest { Groups = [new() { GroupId = "simple", Topics = null }, new() { GroupId = "other", Topics = null }], RequireStable = true },
            8);
        Assert.Equal(2, v8.Groups[0].Topics.Count);
        Assert.Empty(v8.Groups[1].Topics);
        var orders = v8.Groups[0].Topics.Single(t => t.Name == "orders");
        Assert.Equal(10, orders.Partitions[0].CommittedOffset);
        Assert.Equal(3, orders.Partitions[0].CommittedLeaderEpoch);
        Assert.Equal("m", orders.Partitions[0].Metadata);

        var v7 = await h.Coordinator.OffsetFetchAsync(new OffsetFetchRequest { GroupId = "simple", Topics = null }, 7);
        Assert.Equal(0, v7.ErrorCode);
        Assert.Equal(2, v7.Topics.Count);

        var v1 = await h.Coordinator.OffsetFetchAsync(
            new OffsetFetchRequest { GroupId = "simple", Topics = [new() { Name = "refunds", PartitionIndexes = [2, 3] }] },
            1);
        Assert.Equal(20, v1.Topics[0].Partitions[0].CommittedOffset);
        Assert.Equal(-1, v1.Topics[0].Partitions[1].CommittedOffset);
    }

    [Fact]
    public async Task Offset_delete_refuses_subscribed_topics_and_removes_others()
    {
        using var h = new CoordinatorHarness();
        var (a, _) = await MembershipTests.TwoStableMembers(h);
        Assert.Equal(ErrorCode.None, await h.Commit("g", a, 1, "orders", 0, 5));
        Assert.Equal(ErrorCode.None, await h.Commit("g", a, 1, "old-topic", 0, 6));

        var response = await h.Coordinator.OffsetDeleteAsync(
            new OffsetDeleteRequest
            {
                GroupId = "g",
                Topics =
                [
                    new() { Name = "orders", Partitions = [new() { PartitionIndex = 0 }] },
                    new() { Name = "old-topic", Partitions = [new() { PartitionIndex = 0 }] },
                ],
            },
            0);
        Assert.Equal(0, response.ErrorCode);
        Assert.Equal((short)ErrorCode.GroupSubscribedToTopic, response.Topics[0].Partitions[0].ErrorCode);
        Assert.Equal(0, response.Topics[1].Partitions[0].ErrorCode);
        Assert.Equal(5, await h.Fetch("g", "orders", 0));
        Assert.Equal(-1, await h.Fetch("g", "old-topic", 0));

        var missing = await h.Coordinator.OffsetDeleteAsync(new OffsetDeleteRequest { GroupId = "nogroup" }, 0);
        Assert.Equal((short)ErrorCode.GroupIdNotFound, missing.ErrorCode);
    }

    [Fact]
    public async Task Offsets_of_an_empty_group_expire_after_retention_then_the_group_goes()
    {
        var config = new Weir.Coordinator.Group.GroupCoordinatorConfig
        {
            OffsetsTopicNumPartitions = CoordinatorHarness.Partitions,
            OffsetsRetentionMinutes = 10,
            OffsetsRetentionCheckIntervalMs = 60_000,
        };
        using var h = new CoordinatorHarness(config);
        Assert.Equal(ErrorCode.None, await h.Commit("simple", "", -1, "orders", 0, 1));
        h.Time.AdvanceMs(9 * 60_000);
        Assert.Equal(1, await h.Fetch("simple", "orders", 0));
        // The periodic check after the retention passes writes tombstones for the offset and the group.
        h.Time.AdvanceMs(2 * 60_000);
        Assert.Equal(-1, await h.Fetch("simple", "orders", 0));
        Assert.Equal("Dead", (await h.Describe("simple")).GroupState);
        var partition = h.Coordinator.PartitionFor("simple");
        var records = h.Store.Records(partition);
        Assert.Null(records[^1].Value);
        Assert.Null(records[^2].Value);
    }
}
