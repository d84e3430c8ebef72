using Weir.Protocol;

namespace Weir.Coordinator.Tests.Group;

public sealed class MembershipTests
{
    private static readonly byte[] AssignmentA = [1, 2, 3];
    private static readonly byte[] AssignmentB = [4, 5];
    private static readonly byte[] AssignmentC = [6];

    [Fact]
    public async Task Single_member_joins_after_initial_delay_syncs_and_heartbeats()
    {
        using var h = new CoordinatorHarness();
        var join = await h.JoinWithRequiredId("g");
        Assert.False(join.IsCompleted);

        h.Time.AdvanceMs(CoordinatorHarness.InitialDelayMs - 1);
        Assert.False(join.IsCompleted);
        h.Time.AdvanceMs(1);
        var joined = await join;

        Assert.Equal(0, joined.ErrorCode);
        Assert.Equal(1, joined.GenerationId);
        Assert.Equal(joined.MemberId, joined.Leader);
        Assert.Equal("range", joined.ProtocolName);
        Assert.Equal("consumer", joined.ProtocolType);
        var member = Assert.Single(joined.Members);
        Assert.Equal(joined.MemberId, member.MemberId);
        Assert.Equal("CompletingRebalance", (await h.Describe("g")).GroupState);

        var synced = await h.Sync("g", joined.MemberId, 1, new() { [joined.MemberId] = AssignmentA });
        Assert.Equal(0, synced.ErrorCode);
        Assert.Equal(AssignmentA, synced.Assignment);
        Assert.Equal("range", synced.ProtocolName);

        Assert.Equal(ErrorCode.None, await h.Heartbeat("g", joined.MemberId, 1));
        Assert.Equal(ErrorCode.IllegalGeneration, await h.Heartbeat("g", joined.MemberId, 0));
        Assert.Equal(ErrorCode.UnknownMemberId, await h.Heartbeat("g", "nobody", 1));

        var described = await h.Describe("g");
        Assert.Equal("Stable", described.GroupState);
        Assert.Equal("range", described.ProtocolData);
        Assert.Equal(AssignmentA, Assert.Single(described.Members).MemberAssignment);
        Assert.Equal("/127.0.0.1", described.Members[0].ClientHost);
    }

    [Fact]
    public async Task Old_versions_join_without_member_id_round_trip()
    {
        using var h = new CoordinatorHarness();
        var join = h.Join("g", version: 3);
        h.Time.AdvanceMs(CoordinatorHarness.InitialDelayMs);
        var joined = await join;
        Assert.Equal(0, joined.ErrorCode);
        Assert.StartsWith("client-", joined.MemberId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Three_members_get_the_leaders_assignment()
    {
        using var h = new CoordinatorHarness();
        var j1 = await h.JoinWithRequiredId("g");
        var j2 = await h.JoinWithRequiredId("g");
        var j3 = await h.JoinWithRequiredId("g");
        // Each join during the initial delay extends it, bounded by the rebalance timeout.
        h.Time.AdvanceMs(CoordinatorHarness.InitialDelayMs * 2);
        var r1 = await j1;
        var r2 = await j2;
        var r3 = await j3;
        Assert.All([r1, r2, r3], r => Assert.Equal(1, r.GenerationId));
        Assert.All([r1, r2, r3], r => Assert.Equal(r1.Leader, r.Leader));
        var responses = new[] { r1, r2, r3 };
        var leader = Array.Find(responses, r => r.MemberId == r.Leader)!;
        Assert.Equal(3, leader.Members.Count);
        Assert.All(responses, r => Assert.True(r == leader || r.Members.Count == 0));

        var followers = responses.Where(r => r != leader).ToArray();
        var followerSyncs = followers.Select(f => h.Sync("g", f.MemberId, 1)).ToArray();
        Assert.All(followerSyncs, t => Assert.False(t.IsCompleted));

        var assignment = new Dictionary<string, byte[]>
        {
            [leader.MemberId] = AssignmentA,
            [followers[0].MemberId] = AssignmentB,
            [followers[1].MemberId] = AssignmentC,
        };
        var leaderSync = await h.Sync("g", leader.MemberId, 1, assignment);
        Assert.Equal(AssignmentA, leaderSync.Assignment);
        Assert.Equal(AssignmentB, (await followerSyncs[0]).Assignment);
        Assert.Equal(AssignmentC, (await followerSyncs[1]).Assignment);
        Assert.Equal("Stable", (await h.Describe("g")).GroupState);
    }

    [Fact]
    public async Task Member_leaving_triggers_a_rebalance_the_rest_rejoin()
    {
        using var h = new CoordinatorHarness();
        var (a, b) = await TwoStableMembers(h);

        var leave = await h.Coordinator.LeaveGroupAsync(
            new Weir.Protocol.Messages.LeaveGroupRequest
            {
                GroupId = "g",
                Members = [new() { MemberId = b }],
            },
            5);
        Assert.Equal(0, leave.ErrorCode);
        Assert.Equal(0, Assert.Single(leave.Members).ErrorCode);
        Assert.Equal("PreparingRebalance", (await h.Describe("g")).GroupState);
        Assert.Equal(ErrorCode.RebalanceInProgress, await h.Heartbeat("g", a, 1));

        // The remaining member rejoins; it is the only one, so the join completes at once.
        var rejoin = await h.Join("g", a);
        Assert.Equal(0, rejoin.ErrorCode);
        Assert.Equal(2, rejoin.GenerationId);
        Assert.Equal(a, rejoin.Leader);
        Assert.Single(rejoin.Members);
        var synced = await h.Sync("g", a, 2, new() { [a] = AssignmentA });
        Assert.Equal(AssignmentA, synced.Assignment);
    }

    [Fact]
    public async Task Leave_v0_reports_member_error_at_top_level()
    {
        using var h = new CoordinatorHarness();
        var (a, _) = await TwoStableMembers(h);
        var unknown = await h.Coordinator.LeaveGroupAsync(new() { GroupId = "g", MemberId = "ghost" }, 0);
        Assert.Equal((short)ErrorCode.UnknownMemberId, unknown.ErrorCode);
        var ok = await h.Coordinator.LeaveGroupAsync(new() { GroupId = "g", MemberId = a }, 0);
        Assert.Equal(0, ok.ErrorCode);
    }

    [Fact]
    public async Task Session_timeout_removes_a_silent_member_and_rebalances()
    {
        using var h = new CoordinatorHarness();
        var (a, b) = await TwoStableMembers(h);

        // a keeps heartbeating, b goes silent.
        for (var i = 0; i < 4; i++)
        {
            h.Time.AdvanceMs(CoordinatorHarness.SessionTimeoutMs / 2);
            var error = await h.Heartbeat("g", a, 1);
            if (error == ErrorCode.RebalanceInProgress)
            {
                break;
            }
            Assert.Equal(ErrorCode.None, error);
        }
        Assert.Equal(ErrorCode.RebalanceInProgress, await h.Heartbeat("g", a, 1));
        Assert.Equal(ErrorCode.UnknownMemberId, await h.Heartbeat("g", b, 1));

        var rejoin = await h.Join("g", a);
        Assert.Equal(2, rejoin.GenerationId);
        Assert.Equal(a, Assert.Single(rejoin.Members).MemberId);
    }

    [Fact]
    public async Task Rebalance_timeout_drops_members_that_do_not_rejoin()
    {
        using var h = new CoordinatorHarness();
        var (a, b) = await TwoStableMembers(h);
        // a forces a rebalance by rejoining as leader or with new metadata; b never rejoins.
        var rejoin = h.Join("g", a, metadata: CoordinatorHarness.Subscription("orders", "refunds"));
        Assert.False(rejoin.IsCompleted);
        // b's heartbeats keep it alive but it does not rejoin before the rebalance timeout.
        h.Time.AdvanceMs(CoordinatorHarness.SessionTimeoutMs / 2);
        Assert.Equal(ErrorCode.RebalanceInProgress, await h.Heartbeat("g", b, 1));
        h.Time.AdvanceMs(CoordinatorHarness.RebalanceTimeoutMs);
        var joined = await rejoin;
        Assert.Equal(2, joined.GenerationId);
        Assert.Equal(a, Assert.Single(joined.Members).MemberId);
        Assert.Equal(ErrorCode.UnknownMemberId, await h.Heartbeat("g", b, 2));
    }

    [Fact]
    public async Task Sync_checks_generation_member_and_protocol()
    {
        using var h = new CoordinatorHarness();
        var (a, b) = await TwoStableMembers(h);
        Assert.Equal((short)ErrorCode.IllegalGeneration, (await h.Sync("g", a, 7)).ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownMemberId, (await h.Sync("g", "ghost", 1)).ErrorCode);
        Assert.Equal((short)ErrorCode.InconsistentGroupProtocol, (await h.Sync("g", a, 1, protocolName: "roundrobin")).ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownMemberId, (await h.Sync("nogroup", a, 1)).ErrorCode);

        // During a rebalance, SyncGroup says so.
        var pending = h.Join("g", a, metadata: CoordinatorHarness.Subscription("other"));
        Assert.False(pending.IsCompleted);
        Assert.Equal((short)ErrorCode.RebalanceInProgress, (await h.Sync("g", b, 1)).ErrorCode);
    }

    [Fact]
    public async Task Join_validates_session_timeout_group_id_and_protocols()
    {
        using var h = new CoordinatorHarness();
        Assert.Equal((short)ErrorCode.InvalidSessionTimeout, (await h.Join("g", sessionTimeoutMs: 10)).ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidGroupId, (await h.Join("")).ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownMemberId, (await h.Join("nogroup", "made-up")).ErrorCode);

        var first = await h.JoinWithRequiredId("g");
        h.Time.AdvanceMs(CoordinatorHarness.InitialDelayMs);
        Assert.Equal(0, (await first).ErrorCode);
        Assert.Equal((short)ErrorCode.InconsistentGroupProtocol, (await h.Join("g", protocolType: "connect")).ErrorCode);
        Assert.Equal((short)ErrorCode.InconsistentGroupProtocol, (await h.Join("g", protocol: "roundrobin")).ErrorCode);
    }

    [Fact]
    public async Task Group_max_size_rejects_extra_members()
    {
        var config = new Weir.Coordinator.Group.GroupCoordinatorConfig
        {
            OffsetsTopicNumPartitions = CoordinatorHarness.Partitions,
            GroupInitialRebalanceDelayMs = CoordinatorHarness.InitialDelayMs,
            GroupMaxSize = 1,
        };
        using var h = new CoordinatorHarness(config);
        var first = await h.JoinWithRequiredId("g");
        h.Time.AdvanceMs(CoordinatorHarness.InitialDelayMs);
        Assert.Equal(0, (await first).ErrorCode);
        Assert.Equal((short)ErrorCode.GroupMaxSizeReached, (await h.Join("g")).ErrorCode);
    }

    internal static async Task<(string A, string B)> TwoStableMembers(CoordinatorHarness h, string groupId = "g")
    {
        var j1 = await h.JoinWithRequiredId(groupId);
        var j2 = await h.JoinWithRequiredId(groupId);
        h.Time.AdvanceMs(CoordinatorHarness.InitialDelayMs * 2);
        var r1 = await j1;
        var r2 = await j2;
        var leader = r1.MemberId == r1.Leader ? r1 : r2;
        var follower = leader == r1 ? r2 : r1;
        var followerSync = h.Sync(groupId, follower.MemberId, 1);
        await h.Sync(groupId, leader.MemberId, 1, new() { [leader.MemberId] = AssignmentA, [follower.MemberId] = AssignmentB });
        Assert.Equal(AssignmentB, (await followerSync).Assignment);
        return (leader.MemberId, follower.MemberId);
    }
}
