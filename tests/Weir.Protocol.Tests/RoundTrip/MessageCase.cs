using Weir.Protocol.Primitives;

namespace Weir.Protocol.Tests.RoundTrip;

/// <summary>Reads any generated message type through one signature.</summary>
public delegate IKafkaMessage MessageReader(ref KafkaReader reader, short version);

/// <summary>One schema as the round-trip tests see it: its versions and how to make, read and default it.</summary>
public sealed record MessageCase(
    string Name,
    string Type,
    short Lowest,
    short Highest,
    short FirstFlexible,
    Func<Random, short, IKafkaMessage> CreateRandom,
    Func<IKafkaMessage> CreateDefault,
    MessageReader Read)
{
    public static MessageCase Create<T>(string name, string type, short lowest, short highest, short firstFlexible, Func<Random, short, T> createRandom)
        where T : class, IKafkaMessage<T>, new() =>
        new(name, type, lowest, highest, firstFlexible, (r, v) => createRandom(r, v), () => new T(), ReadAs<T>);

    private static IKafkaMessage ReadAs<T>(ref KafkaReader reader, short version)
        where T : IKafkaMessage<T> => T.Read(ref reader, version);

    public override string ToString() => Name;
}
