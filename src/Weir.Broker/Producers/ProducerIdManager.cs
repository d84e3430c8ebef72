using Weir.Broker.Controller;
using Weir.Protocol;

namespace Weir.Broker.Producers;

/// <summary>
/// Hands out producer ids on this broker from blocks the controller allocates (Kafka's
/// RPCProducerIdManager): one request to the controller per block, not per InitProducerId.
/// </summary>
public sealed class ProducerIdManager(IController controller, int brokerId, Func<long> brokerEpoch)
{
    private readonly Lock _lock = new();
    private long _next;
    private long _end;
    private Task<ProducerIdBlock>? _pending;

    /// <summary>The next unused producer id, or the error the controller answered.</summary>
    public async ValueTask<(ErrorCode Error, long ProducerId)> GenerateAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task<ProducerIdBlock> pending;
            lock (_lock)
            {
                if (_next < _end)
                {
                    return (ErrorCode.None, _next++);
                }

                // Not the caller's token: the block serves whoever asks next, even if this caller gives up.
                _pending ??= controller.AllocateProducerIdsAsync(brokerId, brokerEpoch(), CancellationToken.None);
                pending = _pending;
            }

            var block = await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                if (ReferenceEquals(_pending, pending))
                {
                    _pending = null;
                    if (block.Error == ErrorCode.None)
                    {
                        _next = block.Start;
                        _end = block.Start + block.Length;
                    }
                }
            }

            if (block.Error != ErrorCode.None)
            {
                return (block.Error, -1);
            }
        }
    }
}
