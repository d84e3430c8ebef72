namespace Weir.Broker.Config;

/// <summary>
/// Resolves each listener's security protocol as Kafka does (listener.security.protocol.map, else a
/// listener named after a protocol, else PLAINTEXT for controller listeners when the map is not set)
/// and refuses every protocol but PLAINTEXT: Weir has no TLS or SASL yet, and serving an SSL or SASL
/// listener as plaintext would hand clients an unencrypted, unauthenticated port they think is secure.
/// </summary>
public static class ListenerSecurity
{
    public const string Plaintext = "PLAINTEXT";

    private static readonly string[] Protocols = [Plaintext, "SSL", "SASL_PLAINTEXT", "SASL_SSL"];

    /// <exception cref="ConfigException">A listener has no protocol, an unknown one, or one Weir does not implement.</exception>
    public static void Check(IReadOnlyList<Listener> listeners, string map, bool mapIsExplicit, IReadOnlyList<string> controllerNames)
    {
        var protocols = ParseMap(map);
        foreach (var listener in listeners)
        {
            var name = listener.Name.ToUpperInvariant();
            if (!protocols.TryGetValue(name, out var protocol))
            {
                if (Array.IndexOf(Protocols, name) >= 0)
                {
                    protocol = name;
                }
                else if (!mapIsExplicit && controllerNames.Contains(listener.Name))
                {
                    protocol = Plaintext;
                }
                else
                {
                    throw new ConfigException($"listeners: listener {listener} has no security protocol: add {listener.Name}:PLAINTEXT to listener.security.protocol.map.");
                }
            }

            if (protocol != Plaintext)
            {
                throw new ConfigException(
                    $"listeners: listener {listener} uses security protocol {protocol}, which Weir does not implement yet " +
                    "(no TLS or SASL): only PLAINTEXT listeners can be served. Remove the listener, or use a PLAINTEXT listener on a trusted network.");
            }
        }
    }

    private static Dictionary<string, string> ParseMap(string map)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in map.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            var protocol = colon > 0 ? entry[(colon + 1)..].Trim().ToUpperInvariant() : string.Empty;
            if (colon <= 0 || Array.IndexOf(Protocols, protocol) < 0)
            {
                throw new ConfigException($"Invalid value for listener.security.protocol.map: '{entry}' is not NAME:PROTOCOL with PROTOCOL one of {string.Join(", ", Protocols)}.");
            }

            result[entry[..colon].Trim().ToUpperInvariant()] = protocol;
        }

        return result;
    }
}
