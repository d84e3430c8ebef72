using Weir.Protocol.Messages;

namespace Weir.Coordinator.Group;

/// <summary>A member of a classic group, with its parked JoinGroup/SyncGroup responses.</summary>
internal sealed class ClassicGroupMember
{
    public ClassicGroupMember(
        string memberId,
        string? groupInstanceId,
        string clientId,
        string clientHost,
        int rebalanceTimeoutMs,
        int sessionTimeoutMs,
        string protocolType,
        List<(string Name, byte[] Metadata)> supportedProtocols,
        byte[]? assignment = null)
    {
        MemberId = memberId;
        GroupInstanceId = groupInstanceId;
        ClientId = clientId;
        ClientHost = clientHost;
        RebalanceTimeoutMs = rebalanceTimeoutMs;
        SessionTimeoutMs = sessionTimeoutMs;
        ProtocolType = protocolType;
        SupportedProtocols = supportedProtocols;
        Assignment = assignment ?? [];
    }

    public string MemberId { get; }

    public string? GroupInstanceId { get; }

    public string ClientId { get; }

    public string ClientHost { get; }

    public int RebalanceTimeoutMs { get; set; }

    public int SessionTimeoutMs { get; set; }

    public string ProtocolType { get; }

    public List<(string Name, byte[] Metadata)> SupportedProtocols { get; set; }

    public byte[] Assignment { get; set; }

    /// <summary>True from joining until its first JoinGroup response: such members may expire while parked.</summary>
    public bool IsNew { get; set; }

    public TaskCompletionSource<JoinGroupResponse>? AwaitingJoin { get; set; }

    public TaskCompletionSource<SyncGroupResponse>? AwaitingSync { get; set; }

    public bool IsAwaitingJoin => AwaitingJoin is not null;

    public bool IsAwaitingSync => AwaitingSync is not null;

    public bool IsStatic => GroupInstanceId is not null;

    /// <summary>Members parked in a rebalance count as alive; new members do not.</summary>
    public bool HasSatisfiedHeartbeat => !IsNew && (IsAwaitingJoin || IsAwaitingSync);

    public byte[] Metadata(string? protocolName)
    {
        foreach (var (name, metadata) in SupportedProtocols)
        {
            if (name == protocolName)
            {
                return metadata;
            }
        }
        return [];
    }

    /// <summary>Same protocols, in the same order, with the same metadata.</summary>
    public bool Matches(List<(string Name, byte[] Metadata)> protocols)
    {
        if (protocols.Count != SupportedProtocols.Count)
        {
            return false;
        }
        for (var i = 0; i < protocols.Count; i++)
        {
            if (protocols[i].Name != SupportedProtocols[i].Name ||
                !protocols[i].Metadata.AsSpan().SequenceEqual(SupportedProtocols[i].Metadata))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The member's most preferred protocol among the candidates.</summary>
    public string Vote(HashSet<string> candidates)
    {
        foreach (var (name, _) in SupportedProtocols)
        {
            if (candidates.Contains(name))
            {
                return name;
            }
        }
        throw new InvalidOperationException($"Member {MemberId} supports none of the candidate protocols.");
    }

    public static List<(string Name, byte[] Metadata)> ToProtocols(List<JoinGroupRequest.JoinGroupRequestProtocol> protocols)
    {
        var result = new List<(string, byte[])>(protocols.Count);
        foreach (var p in protocols)
        {
            // Kafka keeps protocols in a keyed collection: a repeated name keeps the first.
            var seen = false;
            foreach (var (name, _) in result)
            {
                if (name == p.Name)
                {
                    seen = true;
                    break;
                }
            }
            if (!seen)
            {
                result.Add((p.Name, p.Metadata));
            }
        }
        return result;
    }
}
