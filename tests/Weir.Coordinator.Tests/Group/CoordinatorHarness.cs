using System.Buffers.Binary;
using System.Text;
using Weir.Coordinator.Group;
using Weir.Protocol;
using Weir.Protocol.Messages;

namespace Weir.Coordinator.Tests.Group;

/// <summary>A coordinator over an in-memory store and a manual clock, with request builders.</summary>
public sealed class CoordinatorHarness : IDisposable
{
    public const int Partitions = 3;
    public const int SessionTimeoutMs = 10000;
    public const int RebalanceTimeoutMs = 30000;
    public const int InitialDelayMs = 3000;

    public CoordinatorHarness(GroupCoordinatorConfig? config = null, InMemoryGroupStore? store = null, ManualTimeProvider? time = null)
    {
        Config = config ?? new GroupCoordinatorConfig
        {
            OffsetsTopicNumPartitions = Partitions,
            GroupInitialRebalanceDelayMs = InitialDelayMs,
        };
        Store = store ?? new InMemoryGroupStore();
        Time = time ?? new ManualTimeProvider();
        Coordinator = new GroupCoordinator(Config, Store, Time);
        for (var p = 0; p < Config.OffsetsTopicNumPartitions; p++)
        {
            Coordinator.Load(p, Store.Replay(p));
        }
    }

    public GroupCoordinatorConfig Config { get; }

    public InMemoryGroupStore Store { get; }

    public ManualTimeProvider Time { get; }

    public GroupCoordinator Coordinator { get; }

    /// <summary>A new coordinator over the same log and clock, as after a broker restart.</summary>
    public CoordinatorHarness Restart()
    {
        Coordinator.Dispose();
        return new CoordinatorHarness(Config, Store, Time);
    }

    public void Dispose() => Coordinator.Dispose();

    public static byte[] Subscription(params string[] topics)
    {
        var size = 2 + 4 + 4;
        foreach (var t in topics)
        {
            size += 2 + Encoding.UTF8.GetByteCount(t);
        }
        var bytes = new byte[size];
        var pos = 0;
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(pos), 0);
        pos += 2;
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(pos), topics.Length);
        pos += 4;
        foreach (var t in topics)
        {
            var n = Encoding.UTF8.GetBytes(t, bytes.AsSpan(pos + 2));
            BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(pos), (short)n);
            pos += 2 + n;
        }
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(pos), -1);
        return bytes;
    }

    public Task<JoinGroupResponse> Join(
        string groupId,
        string memberId = "",
        string? instanceId = null,
        short version = 7,
        string protocolType = "consumer",
        string protocol = "range",
        byte[]? metadata = null,
        int sessionTimeoutMs = SessionTimeoutMs,
        string clientId = "client") =>
        Coordinator.JoinGroupAsync(
            new JoinGroupRequest
            {
                GroupId = groupId,
                MemberId = memberId,
                GroupInstanceId = instanceId,
                SessionTimeoutMs = sessionTimeoutMs,
                RebalanceTimeoutMs = RebalanceTimeoutMs,
                ProtocolType = protocolType,
                Protocols = [new JoinGroupRequest.JoinGroupRequestProtocol { Name = protocol, Metadata = metadata ?? Subscription("orders") }],
            },
            version,
            clientId,
            "/127.0.0.1").AsTask();

    /// <summary>KIP-394 dance: first join gets MEMBER_ID_REQUIRED and an id, second join parks with it.</summary>
    public async Task<Task<JoinGroupResponse>> JoinWithRequiredId(string groupId, byte[]? metadata = null)
    {
        var first = await Join(groupId, metadata: metadata);
        Assert.Equal((short)ErrorCode.MemberIdRequired, first.ErrorCode);
        Assert.NotEmpty(first.MemberId);
        return Join(groupId, first.MemberId, metadata: metadata);
    }

    public Task<SyncGroupResponse> Sync(
        string groupId,
        string memberId,
        int generation,
        Dictionary<string, byte[]>? assignments = null,
        string? instanceId = null,
        short version = 5,
        string? protocolName = "range")
    {
        var request = new SyncGroupRequest
        {
            GroupId = groupId,
            MemberId = memberId,
            GenerationId = generation,
            GroupInstanceId = instanceId,
            ProtocolType = "consumer",
            ProtocolName = protocolName,
        };
        foreach (var (id, bytes) in assignments ?? [])
        {
            request.Assignments.Add(new SyncGroupRequest.SyncGroupRequestAssignment { MemberId = id, Assignment = bytes });
        }
        return Coordinator.SyncGroupAsync(request, version).AsTask();
    }

    public async Task<ErrorCode> Heartbeat(string groupId, string memberId, int generation, string? instanceId = null)
    {
        var response = await Coordinator.HeartbeatAsync(
            new HeartbeatRequest { GroupId = groupId, MemberId = memberId, GenerationId = generation, GroupInstanceId = instanceId },
            4);
        return (ErrorCode)response.ErrorCode;
    }

    public async Task<ErrorCode> Commit(string groupId, string memberId, int generation, string topic, int partition, long offset,
        short version = 8, string? metadata = "", string? instanceId = null)
    {
        var response = await Coordinator.OffsetCommitAsync(
            new OffsetCommitRequest
            {
                GroupId = groupId,
                MemberId = memberId,
                GenerationIdOrMemberEpoch = generation,
                GroupInstanceId = instanceId,
                Topics =
                [
                    new OffsetCommitRequest.OffsetCommitRequestTopic
                    {
                        Name = topic,
                        Partitions = [new OffsetCommitRequest.OffsetCommitRequestPartition
                        {
                            PartitionIndex = partition,
                            CommittedOffset = offset,
                            CommittedLeaderEpoch = 3,
                            CommittedMetadata = metadata,
                        }],
                    },
                ],
            },
            version);
        return (ErrorCode)response.Topics[0].Partitions[0].ErrorCode;
    }

    /// <summary>Fetches one partition's offset with v8 (batched groups), -1 when none.</summary>
    public async Task<long> Fetch(string groupId, string topic, int partition)
    {
        var response = await Coordinator.OffsetFetchAsync(
            new OffsetFetchRequest
            {
                Groups =
                [
                    new OffsetFetchRequest.OffsetFetchRequestGroup
                    {
                        GroupId = groupId,
                        Topics = [new OffsetFetchRequest.OffsetFetchRequestTopics { Name = topic, PartitionIndexes = [partition] }],
                    },
                ],
            },
            8);
        var group = Assert.Single(response.Groups);
        Assert.Equal(0, group.ErrorCode);
        return Assert.Single(Assert.Single(group.Topics).Partitions).CommittedOffset;
    }

    public async Task<DescribeGroupsResponse.DescribedGroup> Describe(string groupId)
    {
        var response = await Coordinator.DescribeGroupsAsync(new DescribeGroupsRequest { Groups = [groupId] }, 5);
        return Assert.Single(response.Groups);
    }
}
