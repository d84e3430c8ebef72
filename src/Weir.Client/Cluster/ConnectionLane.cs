namespace Weir.Client.Cluster;

/// <summary>Separate connections to the same broker, so one kind of request never queues behind another.</summary>
public enum ConnectionLane
{
    /// <summary>Metadata, produce, admin.</summary>
    Default,

    /// <summary>Consumer fetches (long polls).</summary>
    Fetch,

    /// <summary>Group coordination: join, sync, heartbeat, commits.</summary>
    Coordinator,
}
