using System.Buffers;
using System.Collections.Concurrent;

namespace Weir.Broker.Network;

/// <summary>
/// Connection buffers in 64 KiB pinned blocks instead of Kestrel's 4 KiB: the socket transport
/// receives at most one block per call, so a 1 MB produce request took ~256 recv calls and now
/// takes ~16. Blocks are allocated only while a connection has data in flight, then reused.
/// </summary>
public sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 64 * 1024;

    // Enough for several busy connections' read windows; blocks beyond it are left to the GC.
    private const int MaxRetainedBlocks = 512;

    private readonly ConcurrentQueue<Block> _free = new();

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        if (_free.TryDequeue(out var block))
        {
            block.Rented = true;
            return block;
        }

        return new Block(this);
    }

    protected override void Dispose(bool disposing) => _free.Clear();

    private void Return(Block block)
    {
        if (_free.Count < MaxRetainedBlocks)
        {
            _free.Enqueue(block);
        }
    }

    private sealed class Block(LargeBlockMemoryPool pool) : IMemoryOwner<byte>
    {
        private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);

        public bool Rented { get; set; } = true;

        public Memory<byte> Memory => _array;

        public void Dispose()
        {
            // A second Dispose must not put the block in the free list twice.
            if (Rented)
            {
                Rented = false;
                pool.Return(this);
            }
        }
    }
}
