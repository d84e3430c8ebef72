using System.Runtime.InteropServices;
using Weir.Broker.Partitions;
using Weir.Coordinator.Group;
using Weir.Protocol;
using Weir.Protocol.Compression;
using Weir.Protocol.Records;

namespace Weir.Broker.Groups;

/// <summary>
/// The group coordinator's <see cref="IGroupStore"/>: each append becomes one uncompressed batch on
/// the <c>__consumer_offsets</c> partition, appended as leader. On a single node the append is the
/// whole ISR, so the high watermark moves to the log end before the coordinator is answered.
/// </summary>
public sealed class OffsetsTopicStore(ReplicaManager replicas, int nodeId, TimeProvider time) : IGroupStore, IDisposable
{
    private readonly Lock _buildLock = new();
    private readonly RecordBatchBuilder _builder = new();
    private readonly PooledBufferWriter _buffer = new();

    public ValueTask AppendAsync(int partition, IReadOnlyList<GroupRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        var target = replicas.Get(OffsetsTopic.Name, partition) ?? throw new GroupStoreException(ErrorCode.UnknownTopicOrPartition);
        if (target.Leader != nodeId)
        {
            throw new GroupStoreException(ErrorCode.NotLeaderOrFollower);
        }

        lock (_buildLock)
        {
            _builder.Reset();
            _buffer.Clear();
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            for (var i = 0; i < records.Count; i++)
            {
                _builder.Append(now, records[i].Key, records[i].Value);
            }

            _builder.Build(_buffer);
            // The buffer is ours: the log patches offsets and the leader epoch into it in place.
            var batch = MemoryMarshal.AsMemory(_buffer.WrittenMemory).Span;
            if (batch.Length > target.Log.Config.MaxMessageBytes)
            {
                throw new GroupStoreException(ErrorCode.MessageTooLarge);
            }

            AppendOutcome result;
            try
            {
                // Through the partition: its leader epoch and high watermark, as for a client's append.
                result = target.AppendRecordsAsLeader(batch);
            }
            catch (ObjectDisposedException)
            {
                // The log was closed under us: shutdown, or the topic was deleted.
                throw new GroupStoreException(ErrorCode.NotLeaderOrFollower);
            }
            catch (IOException)
            {
                throw new GroupStoreException(ErrorCode.KafkaStorageError);
            }

            if (result.Error != ErrorCode.None)
            {
                throw new GroupStoreException(result.Error);
            }
        }

        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        lock (_buildLock)
        {
            _builder.Dispose();
            _buffer.Dispose();
        }
    }
}
