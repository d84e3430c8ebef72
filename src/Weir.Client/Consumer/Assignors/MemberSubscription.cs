namespace Weir.Client.Consumer.Assignors;

/// <summary>One group member's ConsumerProtocolSubscription, as the leader sees it.</summary>
internal sealed record MemberSubscription(
    string MemberId,
    string? GroupInstanceId,
    IReadOnlyList<string> Topics,
    IReadOnlyList<TopicPartition> OwnedPartitions,
    int GenerationId);
