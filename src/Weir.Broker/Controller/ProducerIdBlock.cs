using Weir.Protocol;

namespace Weir.Broker.Controller;

/// <summary>Producer ids [<see cref="Start"/>, <see cref="Start"/> + <see cref="Length"/>) for one broker, or why there are none.</summary>
public readonly record struct ProducerIdBlock(ErrorCode Error, long Start, int Length);
