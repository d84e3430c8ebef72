namespace Weir.Broker.Config;

/// <summary>One entry of <c>listeners</c> / <c>advertised.listeners</c>: NAME://host:port.</summary>
public sealed record Listener(string Name, string Host, int Port)
{
    public static bool TryParse(string text, out Listener listener, out string error)
    {
        listener = null!;
        var sep = text.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0)
        {
            error = $"'{text}' is not NAME://host:port";
            return false;
        }

        var name = text[..sep];
        var hostPort = text[(sep + 3)..];
        var colon = hostPort.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(hostPort[(colon + 1)..], out var port) || port < 0 || port > 65535)
        {
            error = $"'{text}' has no valid port";
            return false;
        }

        var host = hostPort[..colon].Trim('[', ']');
        listener = new Listener(name, host, port);
        error = string.Empty;
        return true;
    }

    public override string ToString() => $"{Name}://{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}";
}
