namespace Weir.Client.Consumer.Assignors;

/// <summary>
/// Kafka's CooperativeStickyAssignor: a balanced assignment that keeps each member's owned
/// partitions where it can, and never hands a partition straight from one member to another in
/// one round. A partition that must move is only taken from its owner (who revokes it and
/// rejoins); the next rebalance gives it to its new member. So only moved partitions are revoked.
/// </summary>
internal sealed class CooperativeStickyAssignor : IPartitionAssignor
{
    public string Name => "cooperative-sticky";

    public bool IsCooperative => true;

    public Dictionary<string, List<TopicPartition>> Assign(IReadOnlyDictionary<string, int> partitionsPerTopic, IReadOnlyList<MemberSubscription> members)
    {
        var result = PartitionAssignors.Empty(members);
        var sorted = PartitionAssignors.Sorted(members);
        if (sorted.Count == 0)
        {
            return result;
        }

        // Every partition someone may consume, in topic order.
        var all = new List<TopicPartition>();
        var topics = new List<string>(partitionsPerTopic.Keys);
        topics.Sort(StringComparer.Ordinal);
        foreach (var topic in topics)
        {
            for (var p = 0; p < partitionsPerTopic[topic]; p++)
            {
                all.Add(new TopicPartition(topic, p));
            }
        }

        // Who owned what: a partition claimed twice goes to the claim with the newer generation.
        var previousOwner = new Dictionary<TopicPartition, MemberSubscription>();
        foreach (var member in sorted)
        {
            foreach (var tp in member.OwnedPartitions)
            {
                if (partitionsPerTopic.TryGetValue(tp.Topic, out var count) && tp.Partition < count && member.Topics.Contains(tp.Topic)
                    && (!previousOwner.TryGetValue(tp, out var other) || other.GenerationId < member.GenerationId))
                {
                    previousOwner[tp] = member;
                }
            }
        }

        // Quotas: with n partitions among m members, n % m members may hold one more than n / m.
        var eligible = new Dictionary<TopicPartition, int>();
        foreach (var tp in all)
        {
            foreach (var member in sorted)
            {
                if (member.Topics.Contains(tp.Topic))
                {
                    eligible[tp] = eligible.GetValueOrDefault(tp) + 1;
                }
            }
        }

        var assignable = 0;
        foreach (var tp in all)
        {
            if (eligible.GetValueOrDefault(tp) > 0)
            {
                assignable++;
            }
        }

        var minQuota = assignable / sorted.Count;
        var maxQuotaSlots = assignable % sorted.Count;

        // Keep owned partitions up to the quota, largest owners first keeping the extra slots.
        var byOwned = new List<MemberSubscription>(sorted);
        byOwned.Sort((a, b) => Owned(b, previousOwner).CompareTo(Owned(a, previousOwner)));
        var assigned = new HashSet<TopicPartition>();
        foreach (var member in byOwned)
        {
            var quota = minQuota + (maxQuotaSlots > 0 ? 1 : 0);
            var owned = new List<TopicPartition>();
            foreach (var tp in member.OwnedPartitions)
            {
                if (previousOwner.TryGetValue(tp, out var owner) && owner == member && !owned.Contains(tp))
                {
                    owned.Add(tp);
                }
            }

            owned.Sort(Compare);
            var keep = Math.Min(owned.Count, quota);
            if (keep > minQuota)
            {
                maxQuotaSlots--;
            }

            for (var i = 0; i < keep; i++)
            {
                result[member.MemberId].Add(owned[i]);
                assigned.Add(owned[i]);
            }
        }

        // Deal the rest to the eligible member holding the fewest.
        foreach (var tp in all)
        {
            if (assigned.Contains(tp))
            {
                continue;
            }

            MemberSubscription? best = null;
            foreach (var member in sorted)
            {
                if (member.Topics.Contains(tp.Topic) && (best is null || result[member.MemberId].Count < result[best.MemberId].Count))
                {
                    best = member;
                }
            }

            if (best is not null)
            {
                result[best.MemberId].Add(tp);
                assigned.Add(tp);
            }
        }

        // Cooperative: a partition moving away from a live owner is held back this round.
        foreach (var member in sorted)
        {
            result[member.MemberId].RemoveAll(tp => previousOwner.TryGetValue(tp, out var owner) && owner != member);
        }

        return result;
    }

    private static int Owned(MemberSubscription member, Dictionary<TopicPartition, MemberSubscription> previousOwner)
    {
        var n = 0;
        foreach (var tp in member.OwnedPartitions)
        {
            if (previousOwner.TryGetValue(tp, out var owner) && owner == member)
            {
                n++;
            }
        }

        return n;
    }

    private static int Compare(TopicPartition a, TopicPartition b)
    {
        var c = string.CompareOrdinal(a.Topic, b.Topic);
        return c != 0 ? c : a.Partition.CompareTo(b.Partition);
    }
}
