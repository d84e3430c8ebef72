using Weir.Protocol.Messages;
using Weir.Protocol.Primitives;

namespace Weir.Raft;

/// <summary>
/// The KIP-996 pre-vote flag on a Vote request. Kafka 4.0 sends it as VoteRequest v2's PreVote field;
/// the schemas Weir generates from stop at v1, so the flag travels as a tagged field of the partition
/// (tag <see cref="Tag"/>, one byte 1) which a v1 reader keeps and ignores. When the protocol is
/// regenerated with v2 this class is the one place to change.
/// </summary>
public static class PreVote
{
    public const int Tag = 0x5750; // "WP": out of the way of Kafka's low tag numbers

    public static bool IsPreVote(VoteRequest.PartitionData partition)
    {
        if (partition.UnknownTaggedFields is { } fields)
        {
            foreach (var field in fields)
            {
                if (field.Tag == Tag)
                {
                    return field.Data.Length == 1 && field.Data[0] == 1;
                }
            }
        }
        return false;
    }

    public static void Mark(VoteRequest.PartitionData partition) =>
        (partition.UnknownTaggedFields ??= []).Add(new RawTaggedField(Tag, [1]));
}
