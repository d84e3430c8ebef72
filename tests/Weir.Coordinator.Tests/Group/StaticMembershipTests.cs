using Weir.Protocol;

namespace Weir.Coordinator.Tests.Group;

public sealed class StaticMembershipTests
{
    private static readonly byte[] AssignmentA = [1];
    private static readonly byte[] AssignmentB = [2];

    [Fact]
    public async Task Static_member_rejoin_keeps_assignment_without_rebalance_and_fences_old_id()
    {
        using var h = new CoordinatorHarness();
        // Static members skip MEMBER_ID_REQUIRED.
        var j1 = h.Join("g", instanceId: "i1");
        var j2 = h.Join("g", instanceId: "i2");
        h.Time.AdvanceMs(CoordinatorHarness.InitialDelayMs * 2);
        var r1 = await j1;
        var r2 = await j2;
        Assert.Equal(0, r1.ErrorCode);
        Assert.StartsWith("i1-", r1.MemberId, StringComparison.Ordinal);
        var leader = r1.MemberId == r1.Leader ? r1 : r2;
        var follower = leader == r1 ? r2 : r1;
        var followerInstance = follower == r1 ? "i1" : "i2";
        var followerSync = h.Sync("g", follower.MemberId, 1, instanceId: followerInstance);
        await h.Sync("g", leader.MemberId, 1,
            new() { [leader.MemberId] = AssignmentA, [follower.MemberId] = AssignmentB },
            instanceId: leader == r1 ? "i1" : "i2");
        Assert.Equal(AssignmentB, (await followerSync).Assignment);

        // The follower restarts: same instance id, no member id. It takes its old place at once.
        var rejoined = await h.Join("g", instanceId: followerInstance);
        Assert.Equal(0, rejoined.ErrorCode);
        Assert.NotEqual(follower.MemberId, rejoined.MemberId);
        Assert.Equal(1, rejoined.GenerationId);
        Assert.Equal("Stable", (await h.Describe("g")).GroupState);

        var synced = await h.Sync("g", rejoined.MemberId, 1, instanceId: followerInstance);
        Assert.Equal(0, synced.ErrorCode);
        Assert.Equal(AssignmentB, synced.Assignment);

        // The old incarnation is fenced everywhere.
        Assert.Equal(ErrorCode.FencedInstanceId, await h.Heartbeat("g", follower.MemberId, 1, followerInstance));
        Assert.Equal((short)ErrorCode.FencedInstanceId, (await h.Sync("g", follower.MemberId, 1, instanceId: followerInstance)).ErrorCode);
        Assert.Equal(ErrorCode.FencedInstanceId,
            await h.Commit("g", follower.MemberId, 1, "orders", 0, 5, instanceId: followerInstance));
        Assert.Equal(ErrorCode.None, await h.Heartbeat("g", rejoined.MemberId, 1, followerInstance));
        Assert.Equal(ErrorCode.None, await h.Heartbeat("g", leader.MemberId, 1));
    }

    [Fact]
    public async Task Static_member_is_not_dropped_when_it_misses_a_rebalance_and_can_be_removed_by_instance_id()
    {
        using var h = new CoordinatorHarness();
        var j1 = h.Join("g", instanceId: "i1");
        h.Time.AdvanceMs(CoordinatorHarness.InitialDelayMs);
        var r1 = await j1;
        await h.Sync("g", r1.MemberId, 1, new() { [r1.MemberId] = AssignmentA }, instanceId: "i1");

        var leave = await h.Coordinator.LeaveGroupAsync(
            new Weir.Protocol.Messages.LeaveGroupRequest
            {
                GroupId = "g",
                Members = [new() { MemberId = "", GroupInstanceId = "i1" }, new() { MemberId = "", GroupInstanceId = "nope" }],
            },
            4);
        Assert.Equal(0, leave.Members[0].ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownMemberId, leave.Members[1].ErrorCode);
        Assert.Equal("Empty", (await h.Describe("g")).GroupState);
    }
}
