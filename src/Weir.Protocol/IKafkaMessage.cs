using Weir.Protocol.Primitives;

namespace Weir.Protocol;

/// <summary>A generated message or nested structure that can size and write itself for a version.</summary>
public interface IKafkaMessage
{
    /// <summary>Tagged fields this code does not know, kept so that a rewrite carries them (flexible versions only).</summary>
    List<RawTaggedField>? UnknownTaggedFields { get; set; }

    /// <summary>The exact number of bytes <see cref="Write"/> produces for <paramref name="version"/>.</summary>
    int ComputeSize(short version);

    void Write(ref KafkaWriter writer, short version);
}
