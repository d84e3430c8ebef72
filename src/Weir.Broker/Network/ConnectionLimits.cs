using System.Globalization;
using System.Net;
using Weir.Broker.Config;

namespace Weir.Broker.Network;

/// <summary>
/// Counts client connections against <c>max.connections</c>, <c>max.connections.per.ip</c> (with
/// <c>max.connections.per.ip.overrides</c>) and the process's file descriptors, as Kafka's
/// ConnectionQuotas. A connection over a limit is closed as soon as it is accepted.
/// </summary>
public sealed class ConnectionLimits
{
    private readonly int _max;
    private readonly int _maxPerIp;
    private readonly Dictionary<IPAddress, int> _overrides;
    private readonly Dictionary<IPAddress, int> _perIp = [];
    private readonly Lock _lock = new();
    private int _total;

    public ConnectionLimits(BrokerConfig config)
    {
        _max = config.MaxConnections;
        _maxPerIp = config.MaxConnectionsPerIp;
        _overrides = ParseOverrides(config.Get("max.connections.per.ip.overrides") ?? string.Empty);
    }

    public int Count => Volatile.Read(ref _total);

    /// <summary>Takes a slot for a connection from <paramref name="address"/>, or says which limit refuses it.</summary>
    public string? TryAcquire(IPAddress? address, int fileDescriptor)
    {
        if (address is { IsIPv4MappedToIPv6: true })
        {
            address = address.MapToIPv4();
        }

        if (FileDescriptors.IsNearLimit(fileDescriptor))
        {
            return $"the broker is near its open file limit ({FileDescriptors.SoftLimit}); raise it (ulimit -n / LimitNOFILE)";
        }

        lock (_lock)
        {
            if (_total >= _max)
            {
                return $"max.connections ({_max}) reached";
            }

            if (address is not null)
            {
                var limit = _overrides.TryGetValue(address, out var o) ? o : _maxPerIp;
                var current = _perIp.GetValueOrDefault(address);
                if (current >= limit)
                {
                    return $"{address} already has the maximum of {limit} connections (max.connections.per.ip)";
                }

                _perIp[address] = current + 1;
            }

            _total++;
            return null;
        }
    }

    public void Release(IPAddress? address)
    {
        if (address is { IsIPv4MappedToIPv6: true })
        {
            address = address.MapToIPv4();
        }

        lock (_lock)
        {
            _total--;
            if (address is not null && _perIp.TryGetValue(address, out var current))
            {
                if (current <= 1)
                {
                    _perIp.Remove(address);
                }
                else
                {
                    _perIp[address] = current - 1;
                }
            }
        }
    }

    /// <summary>Config validator: <c>host:count</c> pairs, comma separated (IPv6 addresses may have colons).</summary>
    public static string? ValidateOverrides(string value)
    {
        foreach (var item in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = item.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(item.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return $"'{item}' is not host:count";
            }
        }

        return null;
    }

    private static Dictionary<IPAddress, int> ParseOverrides(string value)
    {
        var result = new Dictionary<IPAddress, int>();
        foreach (var item in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = item.LastIndexOf(':');
            var host = item[..colon].Trim('[', ']');
            var count = int.Parse(item.AsSpan(colon + 1), CultureInfo.InvariantCulture);
            // Host names are resolved once, at start-up, as Kafka does.
            IPAddress[] addresses;
            try
            {
                addresses = IPAddress.TryParse(host, out var ip) ? [ip] : Dns.GetHostAddresses(host);
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                throw new ConfigException($"max.connections.per.ip.overrides: cannot resolve '{host}': {ex.Message}.");
            }

            foreach (var address in addresses)
            {
                result[address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address] = count;
            }
        }

        return result;
    }
}
