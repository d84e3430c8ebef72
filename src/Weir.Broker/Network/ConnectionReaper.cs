using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Weir.Broker.Config;

namespace Weir.Broker.Network;

/// <summary>
/// Closes connections that went quiet: idle ones after <c>connections.max.idle.ms</c> (as Kafka's
/// idle expiry), and ones whose current request has not fully arrived within
/// <c>socket.request.read.timeout.ms</c> of its first byte (a request trickled in would otherwise
/// hold its buffer forever). One timer scans every connection, so the read path only stores a
/// timestamp.
/// </summary>
public sealed partial class ConnectionReaper : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger<ConnectionReaper> _logger;
    private readonly long _idleTicks;
    private readonly long _readTimeoutTicks;
    private readonly Lock _lock = new();
    private readonly HashSet<TrackedConnection> _connections = [];
    private readonly List<TrackedConnection> _expired = [];
    private readonly ITimer? _timer;

    public ConnectionReaper(BrokerConfig config, TimeProvider time, ILogger<ConnectionReaper> logger)
    {
        _time = time;
        _logger = logger;
        _idleTicks = ToTicks(config.ConnectionsMaxIdleMs);
        _readTimeoutTicks = ToTicks(config.SocketRequestReadTimeoutMs);
        var shortest = Math.Min(config.ConnectionsMaxIdleMs <= 0 ? long.MaxValue : config.ConnectionsMaxIdleMs, config.SocketRequestReadTimeoutMs <= 0 ? long.MaxValue : config.SocketRequestReadTimeoutMs);
        if (shortest != long.MaxValue)
        {
            var period = TimeSpan.FromMilliseconds(Math.Clamp(shortest / 4, 10, 1000));
            _timer = time.CreateTimer(static s => ((ConnectionReaper)s!).Scan(), this, period, period);
        }
    }

    public TrackedConnection Track(ConnectionContext context, ClientConnection client)
    {
        var tracked = new TrackedConnection(context, client, _time.GetTimestamp());
        lock (_lock)
        {
            _connections.Add(tracked);
        }

        return tracked;
    }

    public void Untrack(TrackedConnection tracked)
    {
        lock (_lock)
        {
            _connections.Remove(tracked);
        }
    }

    public void Dispose() => _timer?.Dispose();

    internal void Scan()
    {
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            foreach (var c in _connections)
            {
                var since = now - Volatile.Read(ref c.SinceTimestamp);
                var state = (ConnectionPhase)Volatile.Read(ref c.PhaseValue);
                if ((state == ConnectionPhase.Idle && _idleTicks > 0 && since > _idleTicks)
                    || (state == ConnectionPhase.Receiving && _readTimeoutTicks > 0 && since > _readTimeoutTicks))
                {
                    _expired.Add(c);
                }
            }
        }

        foreach (var c in _expired)
        {
            // The read loop may have moved on since the scan (a request completed): check again.
            var state = (ConnectionPhase)Volatile.Read(ref c.PhaseValue);
            var since = now - Volatile.Read(ref c.SinceTimestamp);
            if (state == ConnectionPhase.Serving || since <= (state == ConnectionPhase.Idle ? _idleTicks : _readTimeoutTicks))
            {
                continue;
            }

            if (state == ConnectionPhase.Idle)
            {
                LogIdle(_logger, c.Client.Id, c.Client.RemoteEndPoint?.ToString(), _idleTicks * 1000 / _time.TimestampFrequency);
            }
            else
            {
                LogReadTimeout(_logger, c.Client.Id, c.Client.RemoteEndPoint?.ToString(), Volatile.Read(ref c.FrameLength), Volatile.Read(ref c.FrameReceived), _readTimeoutTicks * 1000 / _time.TimestampFrequency);
            }

            c.Expire();
        }

        _expired.Clear();
    }

    private long ToTicks(long ms) => ms <= 0 ? 0 : ms * _time.TimestampFrequency / 1000;

    [LoggerMessage(Level = LogLevel.Information, Message = "Closing connection {ConnectionId} from {Remote}: idle for more than connections.max.idle.ms ({IdleMs} ms)")]
    private static partial void LogIdle(ILogger logger, string connectionId, string? remote, long idleMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing connection {ConnectionId} from {Remote}: request of {Length} bytes not received within socket.request.read.timeout.ms ({TimeoutMs} ms); {Received} bytes read")]
    private static partial void LogReadTimeout(ILogger logger, string connectionId, string? remote, int length, long received, long timeoutMs);
}

public enum ConnectionPhase
{
    /// <summary>Waiting for the first byte of a request.</summary>
    Idle,

    /// <summary>Part of a request has arrived.</summary>
    Receiving,

    /// <summary>A request is being served; the connection is not read meanwhile.</summary>
    Serving,
}

/// <summary>The reaper's view of one connection: written by its read loop, read by the timer.</summary>
public sealed class TrackedConnection(ConnectionContext context, ClientConnection client, long timestamp)
{
    internal int PhaseValue;
    internal long SinceTimestamp = timestamp;
    internal int FrameLength;
    internal long FrameReceived;
    private int _expired;

    public ClientConnection Client { get; } = client;

    /// <summary>True once the reaper has closed this connection (its read loop then ends quietly).</summary>
    public bool Expired => Volatile.Read(ref _expired) != 0;

    public void Enter(ConnectionPhase phase, long timestamp)
    {
        Volatile.Write(ref SinceTimestamp, timestamp);
        Volatile.Write(ref PhaseValue, (int)phase);
    }

    internal void Progress(int length, long received)
    {
        FrameLength = length;
        Volatile.Write(ref FrameReceived, received);
    }

    internal void Expire()
    {
        if (Interlocked.Exchange(ref _expired, 1) == 0)
        {
            context.Abort(new ConnectionAbortedException("Closed by the broker: idle or read timeout."));
        }
    }
}
