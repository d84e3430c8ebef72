using Weir.Coordinator.Group;
using Weir.Protocol;
using Weir.Protocol.GroupCoordinator;
using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;

namespace Weir.Coordinator.Tests.Group;

public sealed class PersistenceAndAdminTests
{
    [Fact]
    public async Task Restart_restores_offsets_and_group_and_members_can_continue()
    {
        var h = new CoordinatorHarness();
        var (a, b) = await MembershipTests.TwoStableMembers(h);
        Assert.Equal(ErrorCode.None, await h.Commit("g", a, 1, "orders", 0, 100, metadata: "meta"));
        Assert.Equal(ErrorCode.None, await h.Commit("simple", "", -1, "orders", 1, 200));

        using var restarted = h.Restart();
        Assert.Equal(100, await restarted.Fetch("g", "orders", 0));
        Assert.Equal(200, await restarted.Fetch("simple", "orders", 1));

        var described = await restarted.Describe("g");
        Assert.Equal("Stable", described.GroupState);
        Assert.Equal("range", described.ProtocolData);
        Assert.Equal(2, described.Members.Count);
        Assert.Contains(described.Members, m => m.MemberId == a && m.MemberAssignment.SequenceEqual(new byte[] { 1, 2, 3 }));

        // Members carry on in the same generation, and the leader survived.
        Assert.Equal(ErrorCode.None, await restarted.Heartbeat("g", a, 1));
        var synced = await restarted.Sync("g", b, 1);
        Assert.Equal(new byte[] { 4, 5 }, synced.Assignment);
        var rejoin = restarted.Join("g", a, metadata: CoordinatorHarness.Subscription("orders", "x"));
        var rejoinB = restarted.Join("g", b);
        var ra = await rejoin;
        var rb = await rejoinB;
        Assert.Equal(2, ra.GenerationId);
        Assert.Equal(a, ra.Leader);
        Assert.Equal(a, rb.Leader);
        Assert.Equal(2, ra.Members.Count);
    }

    [Fact]
    public async Task Records_use_kafkas_key_and_value_schemas()
    {
        using var h = new CoordinatorHarness();
        Assert.Equal(ErrorCode.None, await h.Commit("simple", "", -1, "orders", 1, 200, metadata: "m"));
        var record = Assert.Single(h.Store.Records(h.Coordinator.PartitionFor("simple")));

        var keyReader = new KafkaReader(record.Key);
        Assert.Equal(1, keyReader.ReadInt16());
        var key = OffsetCommitKey.Read(ref keyReader, 1);
        Assert.Equal(("simple", "orders", 1), (key.group, key.topic, key.partition));

        var valueReader = new KafkaReader(record.Value!);
        var valueVersion = valueReader.ReadInt16();
        Assert.Equal(3, valueVersion);
        var value = OffsetCommitValue.Read(ref valueReader, valueVersion);
        Assert.Equal(200, value.offset);
        Assert.Equal(3, value.leaderEpoch);
        Assert.Equal("m", value.metadata);
        Assert.Equal(h.Time.GetUtcNow().ToUnixTimeMilliseconds(), value.commitTimestamp);
        Assert.True(valueReader.End);
    }

    [Fact]
    public async Task Group_metadata_record_after_sync_names_generation_leader_and_assignments()
    {
        using var h = new CoordinatorHarness();
        var (a, b) = await MembershipTests.TwoStableMembers(h);
        var records = h.Store.Records(h.Coordinator.PartitionFor("g"));
        var last = records[^1];
        var keyReader = new KafkaReader(last.Key);
        Assert.Equal(2, keyReader.ReadInt16());
        Assert.Equal("g", GroupMetadataKey.Read(ref keyReader, 2).group);
        var valueReader = new KafkaReader(last.Value!);
        var version = valueReader.ReadInt16();
        Assert.Equal(3, version);
        var value = GroupMetadataValue.Read(ref valueReader, version);
        Assert.Equal("consumer", value.protocolType);
        Assert.Equal(1, value.generation);
        Assert.Equal("range", value.protocol);
        Assert.Equal(a, value.leader);
        Assert.Equal(new[] { a, b }.Order(), value.members.Select(m => m.memberId).Order());
        Assert.Equal(new byte[] { 4, 5 }, value.members.Single(m => m.memberId == b).assignment);
    }

    [Fact]
    public async Task Delete_groups_needs_an_empty_group_and_tombstones_everything()
    {
        using var h = new CoordinatorHarness();
        var (a, b) = await MembershipTests.TwoStableMembers(h);
        await h.Commit("g", a, 1, "orders", 0, 1);
        await h.Commit("simple", "", -1, "orders", 0, 9);

        var response = await h.Coordinator.DeleteGroupsAsync(new DeleteGroupsRequest { GroupsNames = ["g", "simple", "nope"] }, 2);
        Assert.Equal((short)ErrorCode.NonEmptyGroup, response.Results[0].ErrorCode);
        Assert.Equal(0, response.Results[1].ErrorCode);
        Assert.Equal((short)ErrorCode.GroupIdNotFound, response.Results[2].ErrorCode);
        Assert.Equal(-1, await h.Fetch("simple", "orders", 0));
        Assert.Equal("Dead", (await h.Describe("simple")).GroupState);

        // Empty the group, then delete it; a restart does not bring it back.
        await h.Coordinator.LeaveGroupAsync(new LeaveGroupRequest { GroupId = "g", Members = [new() { MemberId = a }, new() { MemberId = b }] }, 5);
        Assert.Equal("Empty", (await h.Describe("g")).GroupState);
        var second = await h.Coordinator.DeleteGroupsAsync(new DeleteGroupsRequest { GroupsNames = ["g"] }, 2);
        Assert.Equal(0, second.Results[0].ErrorCode);

        using var restarted = h.Restart();
        Assert.Equal("Dead", (await restarted.Describe("g")).GroupState);
        Assert.Equal("Dead", (await restarted.Describe("simple")).GroupState);
        Assert.Equal(-1, await restarted.Fetch("g", "orders", 0));
    }

    [Fact]
    public async Task List_groups_filters_by_state_and_type()
    {
        using var h = new CoordinatorHarness();
        await MembershipTests.TwoStableMembers(h, "stable-group");
        await h.Commit("simple", "", -1, "orders", 0, 1);

        var all = await h.Coordinator.ListGroupsAsync(new ListGroupsRequest(), 5);
        Assert.Equal(["simple", "stable-group"], all.Groups.Select(g => g.GroupId).Order());

        var stable = await h.Coordinator.ListGroupsAsync(new ListGroupsRequest { StatesFilter = ["stable"] }, 4);
        var listed = Assert.Single(stable.Groups);
        Assert.Equal("stable-group", listed.GroupId);
        Assert.Equal("consumer", listed.ProtocolType);
        Assert.Equal("Stable", listed.GroupState);

        var empty = await h.Coordinator.ListGroupsAsync(new ListGroupsRequest { StatesFilter = ["Empty"] }, 4);
        Assert.Equal("simple", Assert.Single(empty.Groups).GroupId);

        var consumerType = await h.Coordinator.ListGroupsAsync(new ListGroupsRequest { TypesFilter = ["consumer"] }, 5);
        Assert.Empty(consumerType.Groups);
        var classicType = await h.Coordinator.ListGroupsAsync(new ListGroupsRequest { TypesFilter = ["Classic"] }, 5);
        Assert.Equal(2, classicType.Groups.Count);

        // Before v4 there is no states filter: everything is listed.
        var v3 = await h.Coordinator.ListGroupsAsync(new ListGroupsRequest { StatesFilter = ["dead"] }, 3);
        Assert.Equal(2, v3.Groups.Count);
    }

    [Fact]
    public async Task Unloaded_partition_answers_not_coordinator()
    {
        using var h = new CoordinatorHarness();
        var partition = h.Coordinator.PartitionFor("g");
        h.Coordinator.Unload(partition);
        Assert.Equal((short)ErrorCode.NotCoordinator, (await h.Join("g")).ErrorCode);
        Assert.Equal(ErrorCode.NotCoordinator, await h.Commit("g", "", -1, "orders", 0, 1));
        Assert.Equal((short)ErrorCode.NotCoordinator, (await h.Describe("g")).ErrorCode);
    }

    [Fact]
    public async Task Failed_append_is_reported_and_not_applied()
    {
        using var h = new CoordinatorHarness();
        h.Store.FailWith = ErrorCode.NotLeaderOrFollower;
        Assert.Equal(ErrorCode.NotCoordinator, await h.Commit("simple", "", -1, "orders", 0, 1));
        h.Store.FailWith = null;
        Assert.Equal(-1, await h.Fetch("simple", "orders", 0));
        Assert.Equal("Dead", (await h.Describe("simple")).GroupState);
    }

    [Theory]
    [InlineData("group", 98629247)]
    [InlineData("", 0)]
    [InlineData("a", 97)]
    [InlineData("console-consumer-12345", 158455506)]
    [InlineData("polygenelubricants", int.MinValue)]
    public void Java_string_hash_code_matches(string value, int expected) =>
        Assert.Equal(expected, OffsetsTopicPartitioner.JavaStringHashCode(value));

    [Theory]
    [InlineData("group", 50, 47)]
    [InlineData("polygenelubricants", 50, 0)]
    [InlineData("", 50, 0)]
    public void Partition_for_uses_abs_hash_modulo(string groupId, int partitions, int expected) =>
        Assert.Equal(expected, OffsetsTopicPartitioner.PartitionFor(groupId, partitions));
}
