using System.Buffers.Text;
using System.Globalization;

namespace Weir.Broker.Startup;

/// <summary>One KIP-853 initial controller, <c>id@host:port:directoryId</c> (Kafka's DynamicVoter).</summary>
public sealed record InitialController(int NodeId, string Host, int Port, string DirectoryId)
{
    public override string ToString() =>
        Host.Contains(':', StringComparison.Ordinal) ? $"{NodeId}@[{Host}]:{Port}:{DirectoryId}" : $"{NodeId}@{Host}:{Port}:{DirectoryId}";

    /// <summary>Parses one entry as Kafka's DynamicVoter.parse does, with its messages; throws <see cref="ArgumentException"/>.</summary>
    public static InitialController Parse(string input)
    {
        input = input.Trim();
        var at = input.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            throw new ArgumentException("No @ found in dynamic voter string.");
        }

        if (at == 0)
        {
            throw new ArgumentException("Invalid @ at beginning of dynamic voter string.");
        }

        if (!int.TryParse(input.AsSpan(0, at), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var nodeId))
        {
            throw new ArgumentException("Failed to parse node id in dynamic voter string.");
        }

        if (nodeId < 0)
        {
            throw new ArgumentException($"Invalid negative node id {nodeId} in dynamic voter string.");
        }

        input = input[(at + 1)..];
        if (input.Length == 0)
        {
            throw new ArgumentException("No hostname found after node id.");
        }

        string host;
        if (input.StartsWith('['))
        {
            var end = input.IndexOf(']', StringComparison.Ordinal);
            if (end < 0)
            {
                throw new ArgumentException("Hostname began with left bracket, but no right bracket was found.");
            }

            host = input[1..end];
            input = input[(end + 1)..];
        }
        else
        {
            var colon = input.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                throw new ArgumentException("No colon following hostname could be found.");
            }

            host = input[..colon];
            input = input[colon..];
        }

        if (!input.StartsWith(':'))
        {
            throw new ArgumentException("Port section must start with a colon.");
        }

        input = input[1..];
        var portEnd = input.IndexOf(':', StringComparison.Ordinal);
        if (portEnd < 0)
        {
            throw new ArgumentException("No colon following port could be found.");
        }

        if (!int.TryParse(input.AsSpan(0, portEnd), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var port))
        {
            throw new ArgumentException("Failed to parse port in dynamic voter string.");
        }

        if (port < 0 || port > 65535)
        {
            throw new ArgumentException($"Invalid port {port} in dynamic voter string.");
        }

        var directoryId = input[(portEnd + 1)..];
        if (!IsUuid(directoryId))
        {
            throw new ArgumentException("Failed to parse directory ID in dynamic voter string.");
        }

        return new InitialController(nodeId, host, port, directoryId);
    }

    /// <summary>Kafka's Uuid text: 22 URL-safe base64 characters for 16 bytes.</summary>
    public static bool IsUuid(string text)
    {
        Span<byte> bytes = stackalloc byte[18];
        return text.Length == 22 && Base64Url.TryDecodeFromChars(text, bytes, out var written) && written == 16;
    }
}

/// <summary>
/// The initial voter set of a dynamic (KIP-853) quorum given to <c>format --standalone</c> or
/// <c>--initial-controllers</c> (Kafka's DynamicVoters): sorted by node id, each id once. Kafka writes it
/// into the bootstrap snapshot (KRaftVersionRecord + VotersRecord) of the metadata log dir.
/// </summary>
public sealed record InitialVoterSet(IReadOnlyList<InitialController> Voters)
{
    public static InitialVoterSet Parse(string input)
    {
        var voters = new List<InitialController>();
        foreach (var entry in input.Trim().Split(','))
        {
            if (entry.Length > 0)
            {
                voters.Add(InitialController.Parse(entry));
            }
        }

        if (voters.Count == 0)
        {
            throw new ArgumentException("No voters given.");
        }

        voters.Sort((a, b) => a.NodeId.CompareTo(b.NodeId));
        for (var i = 1; i < voters.Count; i++)
        {
            if (voters[i].NodeId == voters[i - 1].NodeId)
            {
                throw new ArgumentException($"Node id {voters[i].NodeId} was specified more than once.");
            }
        }

        return new InitialVoterSet(voters);
    }

    public InitialController? Find(int nodeId)
    {
        foreach (var voter in Voters)
        {
            if (voter.NodeId == nodeId)
            {
                return voter;
            }
        }

        return null;
    }

    public override string ToString() => string.Join(',', Voters);
}
