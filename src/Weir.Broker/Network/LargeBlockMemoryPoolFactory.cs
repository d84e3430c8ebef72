using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace Weir.Broker.Network;

/// <summary>Gives Kestrel's transports <see cref="LargeBlockMemoryPool"/>s (see there why).</summary>
public sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool();
}
