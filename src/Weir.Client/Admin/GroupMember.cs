namespace Weir.Client.Admin;

/// <summary>A member of a group, with the partitions assigned to it (decoded when the group uses the consumer protocol).</summary>
public sealed record GroupMember(string MemberId, string? GroupInstanceId, string ClientId, string Host, IReadOnlyList<TopicPartition> Assignment);
