using System.Diagnostics;
using System.Globalization;
using Weir.Client.Producer;

namespace Weir.Cli.Tools;

/// <summary>
/// Kafka's ProducerPerformance.Stats: per-record latency from send to acknowledgement, a progress
/// line every reporting interval and the summary with sampled percentiles. One instance handles
/// every record's delivery (state packs send time and size), so nothing is allocated per record.
/// </summary>
internal sealed class PerfStats : IDeliveryHandler
{
    private readonly object _lock = new();
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly int[] _latencies;
    private readonly long _sampling;
    private readonly long _reportingIntervalMs;
    private long _iteration;
    private int _index;
    private long _count;
    private long _bytes;
    private long _maxLatency;
    private long _totalLatency;
    private long _windowCount;
    private long _windowMaxLatency;
    private long _windowTotalLatency;
    private long _windowBytes;
    private long _windowStart = Stopwatch.GetTimestamp();
    private long _errors;

    public PerfStats(long numRecords, long reportingIntervalMs)
    {
        _sampling = numRecords / Math.Min(numRecords, 500000);
        _latencies = new int[(int)(numRecords / _sampling) + 1];
        _reportingIntervalMs = reportingIntervalMs;
    }

    public long Count => Interlocked.Read(ref _count);

    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Send time (Stopwatch ticks, 44 bits) and record size (20 bits) in one long.</summary>
    public static long Pack(long sendTimestamp, int size) => (sendTimestamp << 20) | (uint)Math.Min(size, (1 << 20) - 1);

    public void OnDelivery(long state, in RecordMetadata metadata, Exception? error)
    {
        var now = Stopwatch.GetTimestamp();
        if (error is not null)
        {
            if (Interlocked.Increment(ref _errors) <= 10)
            {
                Console.Error.WriteLine($"Error when sending message to topic {metadata.Topic}: {error.Message}");
            }

            return;
        }

        var sendTime = (long)((ulong)state >> 20);
        var sendTicks = (sendTime & ((1L << 44) - 1)) | (now & ~((1L << 44) - 1));
        if (sendTicks > now)
        {
            sendTicks -= 1L << 44;
        }

        var latency = (long)Stopwatch.GetElapsedTime(sendTicks, now).TotalMilliseconds;
        var bytes = state & ((1 << 20) - 1);
        lock (_lock)
        {
            _count++;
            _bytes += bytes;
            _totalLatency += latency;
            _maxLatency = Math.Max(_maxLatency, latency);
            _windowCount++;
            _windowBytes += bytes;
            _windowTotalLatency += latency;
            _windowMaxLatency = Math.Max(_windowMaxLatency, latency);
            if (_iteration % _sampling == 0 && _index < _latencies.Length)
            {
                _latencies[_index++] = (int)latency;
            }

            _iteration++;
            if (Stopwatch.GetElapsedTime(_windowStart, now).TotalMilliseconds >= _reportingIntervalMs)
            {
                PrintWindow(now);
                _windowStart = now;
                _windowCount = 0;
                _windowBytes = 0;
                _windowTotalLatency = 0;
                _windowMaxLatency = 0;
            }
        }
    }

    private void PrintWindow(long now)
    {
        var elapsed = Stopwatch.GetElapsedTime(_windowStart, now).TotalMilliseconds;
        var recsPerSec = 1000.0 * _windowCount / elapsed;
        var mbPerSec = 1000.0 * _windowBytes / elapsed / (1024.0 * 1024.0);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{_windowCount} records sent, {recsPerSec:0.0} records/sec ({mbPerSec:0.00} MB/sec), {(double)_windowTotalLatency / _windowCount:0.0} ms avg latency, {(double)_windowMaxLatency:0.0} ms max latency."));
    }

    public void PrintTotal()
    {
        lock (_lock)
        {
            var elapsed = Math.Max(Stopwatch.GetElapsedTime(_start).TotalMilliseconds, 1);
            var recsPerSec = 1000.0 * _count / elapsed;
            var mbPerSec = 1000.0 * _bytes / elapsed / (1024.0 * 1024.0);
            var sorted = _latencies.AsSpan(0, _index).ToArray();
            Array.Sort(sorted);
            int Percentile(double p) => sorted.Length == 0 ? 0 : sorted[(int)(p * sorted.Length)];
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{_count} records sent, {recsPerSec:0.000000} records/sec ({mbPerSec:0.00} MB/sec), {(_count == 0 ? 0 : (double)_totalLatency / _count):0.00} ms avg latency, {(double)_maxLatency:0.00} ms max latency, {Percentile(0.5)} ms 50th, {Percentile(0.95)} ms 95th, {Percentile(0.99)} ms 99th, {Percentile(0.999)} ms 99.9th."));
        }
    }
}
