namespace Weir.Broker.Config;

/// <summary>
/// Kafka's <c>process.roles</c>. Weir reads a config without it as <see cref="Combined"/> (a single node
/// that is its own controller), where Kafka 4 refuses to start.
/// </summary>
[Flags]
public enum ProcessRoles
{
    None = 0,
    Broker = 1,
    Controller = 2,
    Combined = Broker | Controller,
}
