using Weir.Protocol;
using Weir.Protocol.Metadata;

namespace Weir.Broker.Controller;

/// <summary>
/// Producer id blocks (Kafka's ProducerIdControlManager): each block handed to a broker is recorded
/// (ProducerIdsRecord, the next id after it), so no id is used twice, across restarts too.
/// </summary>
internal sealed class ProducerIdControl
{
    public const int BlockSize = 1000;

    private long _nextProducerId;

    public ControllerResult<ProducerIdBlock> GenerateNextProducerIdBlock(int brokerId, long brokerEpoch)
    {
        var start = _nextProducerId;
        var record = new ProducerIdsRecord { BrokerId = brokerId, BrokerEpoch = brokerEpoch, NextProducerId = start + BlockSize };
        return new(new ProducerIdBlock(ErrorCode.None, start, BlockSize), [(record, ProducerIdsRecord.RecordType, 0)]);
    }

    public void Replay(ProducerIdsRecord record) => _nextProducerId = record.NextProducerId;
}
