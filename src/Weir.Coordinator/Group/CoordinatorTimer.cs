namespace Weir.Coordinator.Group;

/// <summary>
/// Keyed one-shot timers, as Kafka's coordinator timer: scheduling a key replaces its previous
/// timer, and an expiry only runs if it is still the current timer for its key. All calls happen
/// under the coordinator's lock; expiries take the lock through <c>fire</c>.
/// </summary>
internal sealed class CoordinatorTimer : IDisposable
{
    private readonly TimeProvider _time;
    private readonly Func<Entry, Task> _fire;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public CoordinatorTimer(TimeProvider time, Func<Entry, Task> fire)
    {
        _time = time;
        _fire = fire;
    }

    public void Schedule(string key, long delayMs, Func<ValueTask> action)
    {
        Cancel(key);
        var entry = new Entry(key, action) { Owner = this };
        _entries[key] = entry;
        entry.Timer = _time.CreateTimer(
            static state => { var e = (Entry)state!; _ = e.Owner!._fire(e); },
            entry,
            TimeSpan.FromMilliseconds(Math.Max(0, delayMs)),
            Timeout.InfiniteTimeSpan);
    }

    public void Cancel(string key)
    {
        if (_entries.Remove(key, out var old))
        {
            old.Timer?.Dispose();
        }
    }

    public bool IsScheduled(string key) => _entries.ContainsKey(key);

    /// <summary>Claims an expired entry: true (and forgets it) only if it is still current.</summary>
    public bool TryClaim(Entry entry)
    {
        if (_entries.TryGetValue(entry.Key, out var current) && ReferenceEquals(current, entry))
        {
            _entries.Remove(entry.Key);
            entry.Timer?.Dispose();
            return true;
        }
        return false;
    }

    public void Dispose()
    {
        foreach (var e in _entries.Values)
        {
            e.Timer?.Dispose();
        }
        _entries.Clear();
    }

    internal sealed class Entry
    {
        public Entry(string key, Func<ValueTask> action)
        {
            Key = key;
            Action = action;
        }

        public string Key { get; }

        public Func<ValueTask> Action { get; }

        public ITimer? Timer { get; set; }

        public CoordinatorTimer? Owner { get; set; }
    }
}
