using System.Net;

namespace Weir.Broker.Network;

/// <summary>What the broker knows about one client connection (for logs, DescribeGroups' host, quotas).</summary>
public sealed class ClientConnection(string id, EndPoint? remote)
{
    public string Id { get; } = id;

    public EndPoint? RemoteEndPoint { get; } = remote;

    /// <summary>The client's host as Kafka reports it in group descriptions: "/127.0.0.1".</summary>
    public string ClientHost => RemoteEndPoint is IPEndPoint ip ? "/" + ip.Address : "/unknown";

    public string? ClientSoftwareName { get; set; }

    public string? ClientSoftwareVersion { get; set; }
}
