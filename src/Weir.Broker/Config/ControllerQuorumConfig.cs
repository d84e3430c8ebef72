using System.Globalization;

namespace Weir.Broker.Config;

/// <summary>One entry of <c>controller.quorum.voters</c>: <c>id@host:port</c> (a static KRaft voter).</summary>
public sealed record QuorumVoter(int NodeId, string Host, int Port)
{
    public override string ToString() => $"{NodeId}@{QuorumEndpoint.Format(Host, Port)}";
}

/// <summary>One entry of <c>controller.quorum.bootstrap.servers</c>: <c>host:port</c> (KIP-853, dynamic quorum).</summary>
public sealed record QuorumEndpoint(string Host, int Port)
{
    public override string ToString() => Format(Host, Port);

    internal static string Format(string host, int port) =>
        host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";

    /// <summary>Kafka's Utils.getHost/getPort: host:port or [ipv6]:port; null when either part is missing or bad.</summary>
    internal static QuorumEndpoint? TryParse(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            return null;
        }

        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        return host.Length == 0 || host.Contains('@', StringComparison.Ordinal) || host.Contains(' ', StringComparison.Ordinal) ? null : new QuorumEndpoint(host, port);
    }
}

/// <summary>
/// The controller quorum settings (Kafka's QuorumConfig), parsed and validated: either a static voter
/// set or bootstrap servers for a dynamic (KIP-853) one, and the Raft timeouts. Until clustering exists
/// the quorum can only be this node alone; <see cref="BrokerConfig.UnsupportedTopology"/> says so.
/// </summary>
public sealed record ControllerQuorumConfig(
    IReadOnlyList<QuorumVoter> StaticVoters,
    IReadOnlyList<QuorumEndpoint> BootstrapServers,
    int ElectionTimeoutMs,
    int FetchTimeoutMs,
    int ElectionBackoffMaxMs,
    int RequestTimeoutMs,
    int RetryBackoffMs,
    int AppendLingerMs,
    bool AutoJoin)
{
    /// <summary>Neither voters nor bootstrap servers: the single node is its own one-voter quorum (Weir's default).</summary>
    public bool IsUnset => StaticVoters.Count == 0 && BootstrapServers.Count == 0;

    /// <summary>A KIP-853 quorum: bootstrap servers instead of static voters (kraft.version 1 when formatted).</summary>
    public bool IsDynamic => StaticVoters.Count == 0 && BootstrapServers.Count > 0;

    internal const string VotersName = "controller.quorum.voters";
    internal const string BootstrapName = "controller.quorum.bootstrap.servers";

    internal static ControllerQuorumConfig From(BrokerConfig config, ConfigOrigins origins)
    {
        var voters = ParseVoters(config.GetList(VotersName), origins);
        var bootstrap = new List<QuorumEndpoint>();
        foreach (var entry in config.GetList(BootstrapName))
        {
            var endpoint = QuorumEndpoint.TryParse(entry)
                ?? throw origins.Error($"Failed to parse host name or port from {entry} for the configuration {BootstrapName}. Each entry should be in the form \"{{host}}:{{port}}\".", BootstrapName);
            bootstrap.Add(endpoint);
        }

        if (voters.Count > 0 && bootstrap.Count > 0)
        {
            throw origins.Error(
                $"Set {VotersName} (a static quorum) or {BootstrapName} (a dynamic KIP-853 quorum), not both.", VotersName, BootstrapName);
        }

        return new ControllerQuorumConfig(
            voters,
            bootstrap,
            config.GetInt("controller.quorum.election.timeout.ms"),
            config.GetInt("controller.quorum.fetch.timeout.ms"),
            config.GetInt("controller.quorum.election.backoff.max.ms"),
            config.GetInt("controller.quorum.request.timeout.ms"),
            config.GetInt("controller.quorum.retry.backoff.ms"),
            config.GetInt("controller.quorum.append.linger.ms"),
            config.GetBool("controller.quorum.auto.join.enable"));
    }

    private static List<QuorumVoter> ParseVoters(List<string> entries, ConfigOrigins origins)
    {
        var voters = new List<QuorumVoter>();
        foreach (var entry in entries)
        {
            var parts = entry.Split('@');
            if (parts.Length != 2)
            {
                throw origins.Error($"Invalid configuration value for {VotersName}: '{entry}'. Each entry should be in the form `{{id}}@{{host}}:{{port}}`.", VotersName);
            }

            if (!int.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id) || id < 0)
            {
                throw origins.Error($"Failed to parse voter ID as a non-negative integer from {parts[0]} in {VotersName} entry '{entry}'.", VotersName);
            }

            var endpoint = QuorumEndpoint.TryParse(parts[1])
                ?? throw origins.Error($"Failed to parse host name or port from entry {entry} for the configuration {VotersName}. Each entry should be in the form `{{id}}@{{host}}:{{port}}`.", VotersName);
            if (endpoint.Host == "0.0.0.0")
            {
                throw origins.Error($"Host string (0.0.0.0) is not routeable: {VotersName} entry '{entry}' must name an address the other controllers can reach.", VotersName);
            }

            foreach (var other in voters)
            {
                if (other.NodeId == id)
                {
                    throw origins.Error($"{VotersName} names node id {id} more than once ({other} and {entry}): each voter needs its own node id.", VotersName);
                }
            }

            voters.Add(new QuorumVoter(id, endpoint.Host, endpoint.Port));
        }

        return voters;
    }
}
