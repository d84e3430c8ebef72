using System.Text;
using Weir.Protocol.Primitives;

namespace Weir.Coordinator.Group;

/// <summary>
/// Reads the topic list from a "consumer" protocol member's metadata. Every version of
/// ConsumerProtocolSubscription starts with the v0 layout: int16 version, then an int32-counted
/// array of int16-length strings.
/// </summary>
internal static class ConsumerProtocolSubscription
{
    public static bool TryReadTopics(byte[] metadata, HashSet<string> topics)
    {
        try
        {
            var reader = new KafkaReader(metadata);
            var version = reader.ReadInt16();
            var count = reader.ReadInt32();
            if (version < 0 || count < 0)
            {
                return false;
            }
            for (var i = 0; i < count; i++)
            {
                var length = reader.ReadInt16();
                if (length < 0)
                {
                    return false;
                }
                topics.Add(Encoding.UTF8.GetString(reader.ReadRaw(length)));
            }
            return true;
        }
        catch (ProtocolException)
        {
            return false;
        }
    }
}
