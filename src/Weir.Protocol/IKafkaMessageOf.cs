using Weir.Protocol.Primitives;

namespace Weir.Protocol;

/// <summary>A generated message type that can be read, so generic code can decode any of them.</summary>
public interface IKafkaMessage<TSelf> : IKafkaMessage
    where TSelf : IKafkaMessage<TSelf>
{
    static abstract TSelf Read(ref KafkaReader reader, short version);
}
