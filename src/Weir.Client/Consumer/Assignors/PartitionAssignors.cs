namespace Weir.Client.Consumer.Assignors;

/// <summary>Finds assignors by the names partition.assignment.strategy takes.</summary>
internal static class PartitionAssignors
{
    public static IPartitionAssignor Create(string name) => name.Trim() switch
    {
        "range" or "org.apache.kafka.clients.consumer.RangeAssignor" => new RangeAssignor(),
        "roundrobin" or "org.apache.kafka.clients.consumer.RoundRobinAssignor" => new RoundRobinAssignor(),
        "cooperative-sticky" or "org.apache.kafka.clients.consumer.CooperativeStickyAssignor" => new CooperativeStickyAssignor(),
        _ => throw new ArgumentException($"Unknown partition.assignment.strategy '{name}': use range, roundrobin or cooperative-sticky."),
    };

    /// <summary>Members ordered as Java's assignors order them: by group.instance.id when static, else member id.</summary>
    public static List<MemberSubscription> Sorted(IReadOnlyList<MemberSubscription> members)
    {
        var sorted = new List<MemberSubscription>(members);
        sorted.Sort(static (a, b) => string.CompareOrdinal(a.GroupInstanceId ?? a.MemberId, b.GroupInstanceId ?? b.MemberId));
        return sorted;
    }

    public static Dictionary<string, List<TopicPartition>> Empty(IReadOnlyList<MemberSubscription> members)
    {
        var result = new Dictionary<string, List<TopicPartition>>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            result[member.MemberId] = [];
        }

        return result;
    }
}
