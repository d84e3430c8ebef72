using Weir.Coordinator.Group;
using Weir.Protocol;

namespace Weir.Coordinator.Tests;

/// <summary>The __consumer_offsets partitions as in-memory record lists; can be told to fail appends.</summary>
public sealed class InMemoryGroupStore : IGroupStore
{
    private readonly object _gate = new();
    private readonly Dictionary<int, List<GroupRecord>> _partitions = [];

    public ErrorCode? FailWith { get; set; }

    public ValueTask AppendAsync(int partition, IReadOnlyList<GroupRecord> records, CancellationToken cancellationToken)
    {
        if (FailWith is { } error)
        {
            throw new GroupStoreException(error);
        }
        lock (_gate)
        {
            if (!_partitions.TryGetValue(partition, out var list))
            {
                _partitions[partition] = list = [];
            }
            list.AddRange(records);
        }
        return ValueTask.CompletedTask;
    }

    public List<GroupRecord> Records(int partition)
    {
        lock (_gate)
        {
            return _partitions.TryGetValue(partition, out var list) ? [.. list] : [];
        }
    }

    public IEnumerable<(ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte>? Value)> Replay(int partition)
    {
        foreach (var r in Records(partition))
        {
            yield return (r.Key, r.Value is null ? null : (ReadOnlyMemory<byte>?)r.Value);
        }
    }
}
