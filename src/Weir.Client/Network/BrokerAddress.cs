using System.Globalization;

namespace Weir.Client.Network;

/// <summary>Where a broker listens.</summary>
public readonly record struct BrokerAddress(string Host, int Port)
{
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    /// <summary>Parses "host:port[,host:port...]" (a bare host means port 9092; "[v6]:port" for IPv6).</summary>
    public static IReadOnlyList<BrokerAddress> ParseList(string servers)
    {
        var result = new List<BrokerAddress>();
        foreach (var raw in servers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var entry = raw.Contains("://", StringComparison.Ordinal) ? raw[(raw.IndexOf("://", StringComparison.Ordinal) + 3)..] : raw;
            result.Add(Parse(entry));
        }

        if (result.Count == 0)
        {
            throw new ArgumentException("No bootstrap servers given: pass host:port[,host:port...], e.g. localhost:9092.");
        }

        return result;
    }

    private static BrokerAddress Parse(string entry)
    {
        string host;
        string? port = null;
        if (entry.StartsWith('['))
        {
            var close = entry.IndexOf(']', StringComparison.Ordinal);
            host = entry[1..close];
            if (close + 1 < entry.Length && entry[close + 1] == ':')
            {
                port = entry[(close + 2)..];
            }
        }
        else
        {
            var colon = entry.LastIndexOf(':');
            host = colon < 0 ? entry : entry[..colon];
            port = colon < 0 ? null : entry[(colon + 1)..];
        }

        if (host.Length == 0 || (port is not null && !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            throw new ArgumentException($"'{entry}' is not a broker address: expected host:port, e.g. localhost:9092.");
        }

        return new BrokerAddress(host, port is null ? 9092 : int.Parse(port, CultureInfo.InvariantCulture));
    }
}
